package dataset

// Test hooks into unexported parsers, for the fuzz targets and oracle tests of the
// external test package.

// ParseLabelFile is parseLabelFile: normalised boxes and the count of duplicated lines.
var ParseLabelFile = parseLabelFile

// DataYAMLPaths parses a data YAML and returns the paths of key (see dataYAML.paths),
// its root resolved against the folder of path, and the names.
func DataYAMLPaths(path, text, key string) (vals []string, present bool, err error) {
	d, err := parseDataYAML(path, []byte(text))
	if err != nil {
		return nil, false, err
	}
	v, present, err := d.paths(key)
	for _, s := range v {
		vals = append(vals, s.s)
	}
	return vals, present, err
}
