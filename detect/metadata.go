package detect

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// Metadata is what an ONNX file says about itself: the producer_name of the graph and every metadata_props
// key/value as stored, plus the fields detect understands from the exporters it knows. Keys of a known exporter are
// parsed (a malformed value is an error); keys it does not know are listed in Unknown and shown, never used.
//
// Known exporters:
//   - Ultralytics (ultralytics/ultralytics, ultralytics/engine/exporter.py, Exporter.__call__ and export_onnx,
//     8.1 to 8.4): author "Ultralytics"; keys description, author, date, version, license, docs, stride, task,
//     head, batch, imgsz, names, args, channels, end2end, kpt_shape, kpt_names, dla. Values are str() of Python
//     objects (see parsePyLiteral).
//   - ultralytics/yolov5 (export.py, export_onnx: `d = {"stride": ..., "names": ...}`), also written by
//     repositories derived from it (YOLOv9): exactly the keys stride and names.
type Metadata struct {
	// ProducerName is the graph's producer_name ("pytorch", "PaddlePaddle", ...), "" when unset.
	ProducerName string `json:"producer_name,omitempty"`
	// Props holds every metadata_props entry as stored.
	Props map[string]string `json:"props,omitempty"`
	// Family is the exporter recognised from the keys: "ultralytics", "yolov5", or "" when none is.
	Family string `json:"family,omitempty"`
	// Version is the exporter's version as it wrote it (Ultralytics' "version" key, e.g. "8.3.40").
	Version string `json:"version,omitempty"`
	// Names are the class names in class-index order; nil when the metadata does not give them.
	Names []string `json:"names,omitempty"`
	// Task is Ultralytics' task ("detect", "segment", "pose", "obb", "classify").
	Task string `json:"task,omitempty"`
	// ImgSz is the export input size as Ultralytics writes it, [height, width]; nil when not given.
	ImgSz []int `json:"imgsz,omitempty"`
	// Stride is the model's largest stride (32 for the YOLO heads); 0 when not given.
	Stride int `json:"stride,omitempty"`
	// Batch is the export batch size; 0 when not given.
	Batch int `json:"batch,omitempty"`
	// Channels is the input channel count; 0 when not given.
	Channels int `json:"channels,omitempty"`
	// Head is the detection head's class name (newer Ultralytics: "Detect", "v10Detect", "RTDETRDecoder", ...).
	Head string `json:"head,omitempty"`
	// EndToEnd is the end2end key (an NMS-free head: YOLOv10, YOLO26); nil when the key is absent.
	EndToEnd *bool `json:"end2end,omitempty"`
	// NMS is args["nms"] (NMS exported inside the graph); nil when absent.
	NMS *bool `json:"nms,omitempty"`
	// Dynamic is args["dynamic"] (symbolic batch, height and width); nil when absent.
	Dynamic *bool `json:"dynamic,omitempty"`
	// Args are the export arguments (Ultralytics' args dict), values as parsePyLiteral reads them.
	Args map[string]any `json:"args,omitempty"`
	// Unknown lists, sorted, the keys no known exporter explains: shown by inspect, never used.
	Unknown []string `json:"unknown,omitempty"`
}

// Producer names the exporter and its version ("ultralytics 8.3.40", "yolov5"), "" when not recognised.
func (m *Metadata) Producer() string {
	if m == nil || m.Family == "" {
		return ""
	}
	return strings.TrimSpace(m.Family + " " + m.Version)
}

// Keys returns the metadata_props keys, sorted.
func (m *Metadata) Keys() []string {
	if m == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(m.Props))
}

// readMetadata reads producer_name and metadata_props with ONNX Runtime and parses them (parseMetadata).
func readMetadata(path string) (*Metadata, error) {
	md, err := ort.GetModelMetadata(path)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: reading metadata: %w", path, err)
	}
	defer md.Destroy()
	producer, err := md.GetProducerName()
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: reading producer_name: %w", path, err)
	}
	keys, err := md.GetCustomMetadataMapKeys()
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: reading metadata_props keys: %w", path, err)
	}
	props := make(map[string]string, len(keys))
	for _, k := range keys {
		v, _, err := md.LookupCustomMetadataMap(k)
		if err != nil {
			return nil, fmt.Errorf("detect: model %s: reading metadata_props[%q]: %w", path, k, err)
		}
		props[k] = v
	}
	m, err := parseMetadata(producer, props)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: %w", path, err)
	}
	return m, nil
}

// ultralyticsKeys are the keys Ultralytics' exporter writes (exporter.py, self.metadata).
var ultralyticsKeys = map[string]bool{"description": true, "author": true, "date": true, "version": true,
	"license": true, "docs": true, "stride": true, "task": true, "head": true, "batch": true, "imgsz": true,
	"names": true, "args": true, "channels": true, "end2end": true, "kpt_shape": true, "kpt_names": true, "dla": true}

// parseMetadata recognises the exporter from the keys and parses its values.
func parseMetadata(producer string, props map[string]string) (*Metadata, error) {
	m := &Metadata{ProducerName: producer, Props: props}
	known := map[string]bool{}
	switch {
	case props["author"] == "Ultralytics":
		m.Family, known = "ultralytics", ultralyticsKeys
		if err := m.parseUltralytics(); err != nil {
			return nil, err
		}
	case len(props) == 2 && props["stride"] != "" && props["names"] != "":
		m.Family, known = "yolov5", map[string]bool{"stride": true, "names": true}
		if err := m.parseCommon(); err != nil {
			return nil, err
		}
	}
	for _, k := range m.Keys() {
		if !known[k] {
			m.Unknown = append(m.Unknown, k)
		}
	}
	return m, nil
}

// metaError names the key and value that could not be read.
func metaError(key, value, want string, err error) error {
	if len(value) > 120 {
		value = value[:120] + "..."
	}
	if err != nil {
		return fmt.Errorf("metadata %q = %q: want %s: %w", key, value, want, err)
	}
	return fmt.Errorf("metadata %q = %q: want %s", key, value, want)
}

// pyInt parses an int literal.
func pyInt(key, value string) (int, error) {
	v, err := parsePyLiteral(value)
	if err != nil {
		return 0, metaError(key, value, "an integer", err)
	}
	i, ok := v.(int64)
	if !ok || i < 0 || i > 1<<31 {
		return 0, metaError(key, value, "an integer in [0, 2^31]", nil)
	}
	return int(i), nil
}

func (m *Metadata) parseCommon() error {
	var err error
	if v, ok := m.Props["stride"]; ok {
		if m.Stride, err = pyInt("stride", v); err != nil {
			return err
		}
	}
	if v, ok := m.Props["names"]; ok {
		if m.Names, err = parseNames(v); err != nil {
			return err
		}
	}
	return nil
}

func (m *Metadata) parseUltralytics() error {
	if err := m.parseCommon(); err != nil {
		return err
	}
	m.Version, m.Task, m.Head = m.Props["version"], m.Props["task"], m.Props["head"]
	var err error
	for _, f := range []struct {
		key string
		dst *int
	}{{"batch", &m.Batch}, {"channels", &m.Channels}} {
		if v, ok := m.Props[f.key]; ok {
			if *f.dst, err = pyInt(f.key, v); err != nil {
				return err
			}
		}
	}
	if v, ok := m.Props["imgsz"]; ok {
		if m.ImgSz, err = parseImgSz(v); err != nil {
			return err
		}
	}
	if v, ok := m.Props["end2end"]; ok {
		b, err := parsePyLiteral(v)
		t, isBool := b.(bool)
		if err != nil || !isBool {
			return metaError("end2end", v, "True or False", err)
		}
		m.EndToEnd = &t
	}
	if v, ok := m.Props["args"]; ok {
		if err := m.parseArgs(v); err != nil {
			return err
		}
	}
	return nil
}

func (m *Metadata) parseArgs(v string) error {
	lit, err := parsePyLiteral(v)
	d, ok := lit.(PyDict)
	if err != nil || !ok {
		return metaError("args", v, "a dict of export arguments", err)
	}
	m.Args = map[string]any{}
	for _, it := range d {
		k, ok := it.Key.(string)
		if !ok {
			return metaError("args", v, "string keys", nil)
		}
		m.Args[k] = it.Value
	}
	for _, f := range []struct {
		key string
		dst **bool
	}{{"nms", &m.NMS}, {"dynamic", &m.Dynamic}} {
		if x, ok := m.Args[f.key]; ok {
			b, ok := x.(bool)
			if !ok {
				return metaError("args", v, fmt.Sprintf("%s True or False", f.key), nil)
			}
			*f.dst = &b
		}
	}
	return nil
}

// parseImgSz reads [h, w] (or a single int meaning a square).
func parseImgSz(v string) ([]int, error) {
	lit, err := parsePyLiteral(v)
	if err != nil {
		return nil, metaError("imgsz", v, "[height, width]", err)
	}
	var items []any
	switch t := lit.(type) {
	case int64:
		items = []any{t, t}
	case []any:
		items = t
	case PyTuple:
		items = t
	}
	if len(items) != 2 {
		return nil, metaError("imgsz", v, "[height, width]", nil)
	}
	out := make([]int, 2)
	for i, x := range items {
		n, ok := x.(int64)
		if !ok || n < 1 || n > 1<<16 {
			return nil, metaError("imgsz", v, "[height, width] of integers in 1..65536", nil)
		}
		out[i] = int(n)
	}
	return out, nil
}

// parseNames reads {0: 'a', 1: 'b'} (keys must be 0..n-1, in any order) or ['a', 'b'].
func parseNames(v string) ([]string, error) {
	lit, err := parsePyLiteral(v)
	if err != nil {
		return nil, metaError("names", v, "a dict {index: name} or a list of names", err)
	}
	switch t := lit.(type) {
	case []any:
		names := make([]string, len(t))
		for i, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, metaError("names", v, "a list of strings", nil)
			}
			names[i] = s
		}
		return names, nil
	case PyDict:
		names := make([]string, len(t))
		seen := make([]bool, len(t))
		for _, it := range t {
			i, ok := it.Key.(int64)
			s, isStr := it.Value.(string)
			if !ok || !isStr || i < 0 || i >= int64(len(t)) || seen[i] {
				return nil, metaError("names", v, fmt.Sprintf("keys 0..%d, each once, with string names", len(t)-1), nil)
			}
			names[i], seen[i] = s, true
		}
		return names, nil
	}
	return nil, metaError("names", v, "a dict {index: name} or a list of names", nil)
}
