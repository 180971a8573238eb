package report

// The fixture runs decode with OpenCV (cv2.imread semantics), which registers
// itself when imported; the report package itself needs no OpenCV.
import _ "github.com/detparity/detparity/dataset/opencv"
