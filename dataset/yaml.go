package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// dataYAML is a parsed Ultralytics data YAML: its top-level keys with their nodes.
type dataYAML struct {
	file string
	keys map[string]*yaml.Node // value node of each top-level string key
	line map[string]int        // line of each key
}

// parseDataYAML parses data with go.yaml.in/yaml/v3 and indexes its top-level mapping.
// A YAML syntax error, a second document, a document that is not a mapping and a
// repeated key are errors naming file (and the line).
func parseDataYAML(file string, data []byte) (*dataYAML, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		return nil, fmt.Errorf("dataset: %s:%d: a second YAML document, expected one (Ultralytics reads one)", file, second.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	d := &dataYAML{file: file, keys: map[string]*yaml.Node{}, line: map[string]int{}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return d, nil // empty document
	}
	top := resolveAlias(doc.Content[0])
	if top.Kind == yaml.ScalarNode && pyScalar(top).kind == pyNull {
		return d, nil // a document holding only a comment or ~
	}
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("dataset: %s:%d: the document is a YAML %s, expected a mapping (names:, path:, val:, ...)", file, top.Line, kindName(top))
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := resolveAlias(top.Content[i]), top.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		key := pyScalar(k)
		if key.kind != pyStr {
			continue // a key such as 1: or yes: is not one Ultralytics reads
		}
		if first, dup := d.line[key.s]; dup {
			return nil, fmt.Errorf("dataset: %s:%d: second %s: key (first at line %d), expected each key once", file, k.Line, key.s, first)
		}
		d.keys[key.s], d.line[key.s] = resolveAlias(v), k.Line
	}
	return d, nil
}

// yamlLine finds the line in the YAML library's error text ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError is a YAML syntax error naming file and, when the library gives it, the line.
func yamlError(file string, err error) error {
	where := file
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		where += ":" + m[1]
	}
	return fmt.Errorf("dataset: %s: malformed YAML (%w), expected an Ultralytics data YAML (names:, path:, val:)", where, err)
}

// resolveAlias follows *alias nodes to their anchored node.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "map"
	case yaml.ScalarNode:
		return "scalar " + strconv.Quote(n.Value)
	}
	return "node"
}

// names returns the class names of the names: and nc: keys (see ParseNamesYAML).
func (d *dataYAML) names() ([]string, error) {
	f := d.file
	nn, hasNames := d.keys["names"]
	ncNode, hasNC := d.keys["nc"]
	if !hasNames && !hasNC {
		return nil, fmt.Errorf("dataset: %s: no names: key (nor nc:), expected names: as a list or a {0: name} map", f)
	}
	nc := -1
	if hasNC {
		v := pyValue{}
		if ncNode.Kind == yaml.ScalarNode {
			v = pyScalar(ncNode)
		}
		if v.kind != pyInt || !v.i.IsInt64() || v.i.Int64() < 1 || v.i.Int64() > 1<<20 {
			return nil, fmt.Errorf("dataset: %s:%d: nc: %s, expected a positive integer (the number of classes)", f, d.line["nc"], nodeText(ncNode))
		}
		nc = int(v.i.Int64())
	}
	if !hasNames {
		names := make([]string, nc)
		for i := range names {
			names[i] = fmt.Sprintf("class_%d", i) // Ultralytics' check_det_dataset names them so
		}
		return names, nil
	}
	line := d.line["names"]
	var names []string
	var err error
	switch nn.Kind {
	case yaml.SequenceNode:
		names = make([]string, len(nn.Content))
		for i, e := range nn.Content {
			if names[i], err = d.nameOf(e, fmt.Sprintf("entry %d", i)); err != nil {
				return nil, err
			}
		}
	case yaml.MappingNode:
		if names, err = d.namesMap(nn); err != nil {
			return nil, err
		}
	default:
		if nn.Kind == yaml.ScalarNode && pyScalar(nn).kind == pyNull {
			return nil, fmt.Errorf("dataset: %s:%d: names: is empty, expected at least one class name", f, line)
		}
		return nil, fmt.Errorf("dataset: %s:%d: names: is a %s, expected a list ([a, b] or '- a' lines) or a map ({0: a} or '0: a' lines)", f, line, kindName(nn))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("dataset: %s:%d: names: is empty, expected at least one class name", f, line)
	}
	if nc >= 0 && nc != len(names) {
		return nil, fmt.Errorf("dataset: %s:%d: nc: %d but names: has %d entries", f, d.line["nc"], nc, len(names))
	}
	return names, nil
}

// namesMap reads a {id: name} map: ids are read as Python's int() reads them and must
// be 0..n-1, each once.
func (d *dataYAML) namesMap(nn *yaml.Node) ([]string, error) {
	n := len(nn.Content) / 2
	names := make([]string, n)
	seen := make([]int, n) // line of each id, 0 = not yet
	for i := 0; i+1 < len(nn.Content); i += 2 {
		k := resolveAlias(nn.Content[i])
		id := -1
		if k.Kind == yaml.ScalarNode {
			if v, ok := pyScalar(k).toInt(); ok && v.IsInt64() && v.Int64() >= 0 && v.Int64() < int64(n) {
				id = int(v.Int64())
			}
		}
		if id < 0 {
			return nil, fmt.Errorf("dataset: %s:%d: names: id %s, expected an integer in [0,%d) (ids 0..n-1)", d.file, k.Line, nodeText(k), n)
		}
		if seen[id] != 0 {
			return nil, fmt.Errorf("dataset: %s:%d: names: id %d given twice (first at line %d)", d.file, k.Line, id, seen[id])
		}
		seen[id] = k.Line
		var err error
		if names[id], err = d.nameOf(nn.Content[i+1], fmt.Sprintf("id %d", id)); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// nameOf returns Python's str() of a names entry, refusing what would not be a name.
func (d *dataYAML) nameOf(n *yaml.Node, which string) (string, error) {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("dataset: %s:%d: names: %s is a %s, expected a class name", d.file, n.Line, which, kindName(n))
	}
	v := pyScalar(n)
	switch {
	case v.err != "":
		return "", fmt.Errorf("dataset: %s:%d: names: %s %s: %s", d.file, n.Line, which, nodeText(n), v.err)
	case v.kind == pyNull:
		return "", fmt.Errorf("dataset: %s:%d: names: %s is empty (YAML null), expected a class name", d.file, n.Line, which)
	case v.str() == "":
		return "", fmt.Errorf("dataset: %s:%d: names: %s is empty, expected a class name", d.file, n.Line, which)
	}
	return v.str(), nil
}

// yamlString is a string value of a data YAML with its line.
type yamlString struct {
	s    string
	line int
}

// paths returns the value of key as a list of strings: a string alone, or a list of
// strings. present is false when the key is absent, null, empty or an empty list.
func (d *dataYAML) paths(key string) (vals []yamlString, present bool, err error) {
	n, ok := d.keys[key]
	if !ok {
		return nil, false, nil
	}
	one := func(e *yaml.Node) (yamlString, error) {
		e = resolveAlias(e)
		if e.Kind == yaml.ScalarNode {
			if v := pyScalar(e); v.kind == pyStr && v.s != "" {
				return yamlString{v.s, e.Line}, nil
			}
		}
		return yamlString{}, fmt.Errorf("dataset: %s:%d: %s: %s, expected a path (quote it if it looks like a number)", d.file, e.Line, key, nodeText(e))
	}
	switch {
	case n.Kind == yaml.ScalarNode && (pyScalar(n).kind == pyNull || n.Value == ""):
		return nil, false, nil // Ultralytics: data.get(key) is falsy
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, false, nil
		}
		for _, e := range n.Content {
			s, err := one(e)
			if err != nil {
				return nil, true, err
			}
			vals = append(vals, s)
		}
		return vals, true, nil
	default:
		s, err := one(n)
		if err != nil {
			return nil, true, err
		}
		return []yamlString{s}, true, nil
	}
}

// nodeText shows a node in messages.
func nodeText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return strconv.Quote(n.Value)
	}
	return "a " + kindName(n)
}

// PyYAML (YAML 1.1) implicit typing of plain scalars, as yaml.safe_load applies it
// (pyyaml/lib/yaml/resolver.py, constructor.py, PyYAML 6.0).
type pyKind int

const (
	pyStr pyKind = iota
	pyInt
	pyFloat
	pyBool
	pyNull
)

// pyValue is the Python value PyYAML makes of a scalar.
type pyValue struct {
	kind pyKind
	s    string   // pyStr: the text
	i    *big.Int // pyInt
	f    float64  // pyFloat
	b    bool     // pyBool
	err  string   // a scalar safe_load refuses or whose str() is not reproduced here
}

var (
	pyBoolRe  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	pyNullRe  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	pyIntRe   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	pyFloatRe = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	pyTimeRe  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
	pyDateRe  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// pyScalar types a scalar node as PyYAML's safe_load does: quoted and block scalars
// are strings, plain ones go through the YAML 1.1 implicit resolvers.
func pyScalar(n *yaml.Node) pyValue {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return pyValue{kind: pyStr, s: n.Value}
	}
	if n.Style&yaml.TaggedStyle != 0 {
		if n.Tag == "!!str" || n.Tag == "tag:yaml.org,2002:str" {
			return pyValue{kind: pyStr, s: n.Value}
		}
		return pyValue{kind: pyStr, s: n.Value, err: "explicit YAML tag " + n.Tag + ", expected a plain or quoted scalar"}
	}
	s := n.Value
	switch {
	case pyBoolRe.MatchString(s):
		c := s[0]
		return pyValue{kind: pyBool, b: c == 'y' || c == 'Y' || c == 't' || c == 'T' || s == "on" || s == "On" || s == "ON"}
	case pyNullRe.MatchString(s):
		return pyValue{kind: pyNull}
	case pyFloatRe.MatchString(s):
		return pyFloatOf(s)
	case pyIntRe.MatchString(s):
		return pyIntOf(s)
	case pyTimeRe.MatchString(s):
		if pyDateRe.MatchString(s) {
			return pyValue{kind: pyStr, s: s} // str(datetime.date) is the same text
		}
		return pyValue{kind: pyStr, s: s, err: "PyYAML reads it as a timestamp; quote it"}
	case s == "=":
		return pyValue{kind: pyStr, s: s, err: "PyYAML's safe_load refuses a plain '='; quote it"}
	}
	return pyValue{kind: pyStr, s: s}
}

// pyIntOf is PyYAML's construct_yaml_int.
func pyIntOf(s string) pyValue {
	v := strings.ReplaceAll(s, "_", "")
	neg := false
	if v[0] == '-' || v[0] == '+' {
		neg, v = v[0] == '-', v[1:]
	}
	x := new(big.Int)
	ok := true
	switch {
	case v == "0":
	case strings.HasPrefix(v, "0b"):
		_, ok = x.SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		_, ok = x.SetString(v[2:], 16)
	case v[0] == '0':
		_, ok = x.SetString(v[1:], 8)
	case strings.Contains(v, ":"):
		base := big.NewInt(1)
		parts := strings.Split(v, ":")
		for i := len(parts) - 1; i >= 0; i-- {
			d, _ := new(big.Int).SetString(parts[i], 10)
			x.Add(x, d.Mul(d, base))
			base.Mul(base, big.NewInt(60))
		}
	default:
		_, ok = x.SetString(v, 10)
	}
	if !ok {
		return pyValue{kind: pyStr, s: s, err: "not an integer PyYAML can read"}
	}
	if neg {
		x.Neg(x)
	}
	return pyValue{kind: pyInt, i: x}
}

// pyFloatOf is PyYAML's construct_yaml_float.
func pyFloatOf(s string) pyValue {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if v[0] == '-' || v[0] == '+' {
		if v[0] == '-' {
			sign = -1
		}
		v = v[1:]
	}
	var f float64
	switch {
	case v == ".inf":
		f = math.Inf(1)
	case v == ".nan":
		return pyValue{kind: pyFloat, f: math.NaN()}
	case strings.Contains(v, ":"):
		base := 1.0
		parts := strings.Split(v, ":")
		for i := len(parts) - 1; i >= 0; i-- {
			d, _ := strconv.ParseFloat(parts[i], 64)
			f += d * base
			base *= 60
		}
	default:
		var err error
		if f, err = strconv.ParseFloat(v, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return pyValue{kind: pyStr, s: s, err: "not a number PyYAML can read"}
		}
	}
	return pyValue{kind: pyFloat, f: sign * f}
}

// str is Python's str() of the value (names are passed through str() by Ultralytics).
func (v pyValue) str() string {
	switch v.kind {
	case pyInt:
		return v.i.String()
	case pyFloat:
		return pyFloatRepr(v.f)
	case pyBool:
		if v.b {
			return "True"
		}
		return "False"
	case pyNull:
		return "None"
	}
	return v.s
}

// toInt is Python's int() of the value, false where int() raises.
func (v pyValue) toInt() (*big.Int, bool) {
	switch v.kind {
	case pyInt:
		return v.i, true
	case pyBool:
		if v.b {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	case pyFloat:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			return nil, false
		}
		x, _ := big.NewFloat(math.Trunc(v.f)).Int(nil)
		return x, true
	case pyStr:
		if v.err != "" {
			return nil, false
		}
		return pyIntString(v.s)
	}
	return nil, false
}

// pyIntString is Python's int(str): surrounding whitespace, a sign, decimal digits with
// single underscores between them.
func pyIntString(s string) (*big.Int, bool) {
	t := strings.TrimSpace(s)
	if t == "" || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return nil, false
	}
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) > 1 || body == "" || body[0] == '_' {
		return nil, false
	}
	for _, c := range body {
		if (c < '0' || c > '9') && c != '_' {
			return nil, false
		}
	}
	x, ok := new(big.Int).SetString(strings.ReplaceAll(t, "_", ""), 10)
	return x, ok
}

// pyFloatRepr is Python's repr(float) (the shortest digits that round-trip; scientific
// notation when the decimal exponent is < -4 or >= 16; ".0" on integral values).
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	if f == 0 {
		return sign + "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // value = 0.digits x 10^decpt
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			return sign + "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			return sign + digits[:decpt] + "." + digits[decpt:]
		}
	}
	m := digits[:1]
	if len(digits) > 1 {
		m += "." + digits[1:]
	}
	es := "+"
	if exp < 0 {
		es, exp = "-", -exp
	}
	return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
}
