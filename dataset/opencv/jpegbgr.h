#ifndef DETPARITY_JPEGBGR_H
#define DETPARITY_JPEGBGR_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
// Result codes of detparity_jpeg_bgr: OK, or why the file is left to cv::imdecode.
enum {
	DETPARITY_JPEG_OK = 0,
	DETPARITY_JPEG_ERROR = 1,      // libjpeg failed (error_exit)
	DETPARITY_JPEG_WARNING = 2,    // libjpeg warned (corrupt data, a premature end, ...)
	DETPARITY_JPEG_APP1 = 3,       // an APP1 segment (EXIF: OpenCV may rotate the image)
	DETPARITY_JPEG_COMPONENTS = 4, // not 1 or 3 components (CMYK / YCCK: OpenCV converts them itself)
	DETPARITY_JPEG_NO_TABLES = 5,  // no Huffman table before the first scan (OpenCV loads the MJPEG ones)
	DETPARITY_JPEG_SIZE = 6        // the decoded size is not the w x h the caller expects
};
int detparity_jpeg_bgr(const unsigned char *data, size_t len, unsigned char *dst, int w, int h);
#ifdef __cplusplus
}
#endif
#endif
