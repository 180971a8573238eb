package parity

import (
	// The fixtures' pipelines decode with OpenCV (cv2.imread semantics), which
	// registers itself when imported; the library itself does not need it
	// (TestLibraryWithoutOpenCV).
	_ "github.com/detparity/detparity/dataset/opencv"
)

// testConfig is DefaultConfig with a model, a dataset and pipelines.
func testConfig(model, data string, pipelines ...string) Config {
	c := DefaultConfig()
	c.Model, c.Data, c.Pipelines = model, data, pipelines
	return c
}

// withConf is c at confidence threshold conf.
func withConf(c Config, conf float64) Config {
	c.Conf = conf
	return c
}
