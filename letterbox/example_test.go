package letterbox_test

import (
	"fmt"

	"github.com/detparity/detparity/letterbox"
)

// A preset spelled out with every parameter, as reports and `detparity presets` show it.
func ExampleSpec_Expand() {
	s, err := letterbox.Parse("sg-coco:pad=0")
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Name)
	fmt.Println(s.Expand())
	for _, p := range s.Params()[1:4] {
		fmt.Printf("%s=%s: %s\n", p.Key, p.Value, p.Meaning)
	}
	// Output:
	// sg-coco:pad=0
	// letterbox:size=640,inner=636,anchor=center,round=round,stride=0,scaleup=true,interp=linear,pad=0,order=rgb,scale=1/255,mean=0,std=1,layout=nchw,dtype=float32,unmap=super-gradients,decoder=opencv
	// size=640: model input 640x640
	// inner=636: the image is fitted into 636x636, then padded to the input size
	// anchor=center: image centred, the odd pixel of padding at the bottom or right
}

// What each preset reproduces and where it was read.
func ExamplePresetInfos() {
	for _, p := range letterbox.PresetInfos() {
		if p.Name == "yolox" {
			fmt.Println(p.Name+":", p.Description)
			fmt.Println("source:", p.Source)
		}
	}
	// Output:
	// yolox: YOLOX >= 0.2.0 preproc: int() sizes, image top-left, pad 114, BGR as loaded, 0..255 not divided; boxes divided by r.
	// source: Megvii-BaseDetection/YOLOX 0.3.0, yolox/data/data_augment.py: preproc; demo/ONNXRuntime/onnx_inference.py
}
