package parity

import (
	"github.com/detparity/detparity/dataset"
)

// InputFile is a file a run reads, with its role ("the --model file", "an image
// of the dataset", ...), for Config.CheckInputs.
type InputFile struct {
	Role, Path string
}

// inputFiles lists what a run of c on ds reads: the models, the reference, the
// data YAML, the class names file, and each image and annotation file.
func (c Config) inputFiles(ds *dataset.Dataset) []InputFile {
	var in []InputFile
	for _, m := range c.modelList() {
		in = append(in, InputFile{"the --model file", m})
	}
	if c.Reference != "" {
		in = append(in, InputFile{"the --reference file", c.Reference})
	}
	if ds == nil {
		return in
	}
	if ds.DataYAML != "" {
		in = append(in, InputFile{"the data YAML", ds.DataYAML})
	}
	if ds.NamesFile != "" {
		in = append(in, InputFile{"the class names file", ds.NamesFile})
	}
	shared := ""
	for _, it := range ds.Items {
		in = append(in, InputFile{"an image of the dataset", it.ImagePath})
		if it.LabelPath != "" && it.LabelPath != shared {
			in = append(in, InputFile{"a label file of the dataset", it.LabelPath})
		}
		if ds.Format == dataset.FormatCOCO {
			shared = it.LabelPath // one annotations json for every item
		}
	}
	return in
}

// RunNames returns the names the runs of c will have in the result
// (PipelineResult.Name), in result order: each pipeline and preprocessor when
// one model runs, else MODEL/PIPELINE for every model. A caller names its
// per-pipeline outputs with them before the run (PredictionsPath).
func (c Config) RunNames() []string {
	var out []string
	for _, ns := range runNames(c.modelList(), c.pipelineNames()) {
		out = append(out, ns...)
	}
	return out
}
