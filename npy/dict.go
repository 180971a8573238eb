package npy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// dict is the content of a .npy header.
type dict struct {
	descr   string
	fortran bool
	shape   []int
}

// maxRank bounds the number of axes (numpy's NPY_MAXDIMS is 32 in numpy 1.x).
const maxRank = 32

// parseDict reads the header's Python dict literal: exactly the keys
// 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a tuple
// of non-negative ints), in any order, with an optional trailing comma, and
// only whitespace after the closing brace (numpy pads with spaces and a
// newline). Ints may carry Python 2's L suffix, as numpy's _filter_header
// accepts for versions 1.0 and 2.0.
func parseDict(b []byte) (dict, error) {
	p := &parser{s: string(b)}
	var d dict
	seen := map[string]bool{}
	p.ws()
	if !p.eat('{') {
		return d, errors.New("expected a dict starting with '{'")
	}
	for {
		p.ws()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return d, fmt.Errorf("dict key: %w", err)
		}
		if seen[key] {
			return d, fmt.Errorf("key %q given twice", key)
		}
		seen[key] = true
		p.ws()
		if !p.eat(':') {
			return d, fmt.Errorf("expected ':' after key %q at offset %d", key, p.i)
		}
		p.ws()
		switch key {
		case "descr":
			if p.peek() == '[' {
				return d, errors.New("structured dtype (descr is a list of fields), expected a plain float32, float16, uint8 or float64 array")
			}
			d.descr, err = p.str()
		case "fortran_order":
			d.fortran, err = p.boolean()
		case "shape":
			d.shape, err = p.tuple()
		default:
			return d, fmt.Errorf("unknown key %q, expected only 'descr', 'fortran_order' and 'shape'", key)
		}
		if err != nil {
			return d, fmt.Errorf("%s: %w", key, err)
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		p.ws()
		if !p.eat('}') {
			return d, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
		}
		break
	}
	p.ws()
	if p.i != len(p.s) {
		return d, fmt.Errorf("unexpected %q after the dict, expected only spaces and a newline", clipString(p.s[p.i:]))
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return d, fmt.Errorf("missing key %q, expected 'descr', 'fortran_order' and 'shape'", k)
		}
	}
	return d, nil
}

func clipString(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// parser walks a header string.
type parser struct {
	s string
	i int
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) eat(c byte) bool {
	if p.peek() == c && p.i < len(p.s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// str reads a quoted string without escapes ('...' or "...").
func (p *parser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("expected a quoted string at offset %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at offset %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", fmt.Errorf("string %q has an escape, expected a plain dtype or key", v)
	}
	p.i += end + 2
	return v, nil
}

func (p *parser) boolean() (bool, error) {
	for _, w := range []struct {
		s string
		v bool
	}{{"True", true}, {"False", false}} {
		if strings.HasPrefix(p.s[p.i:], w.s) {
			p.i += len(w.s)
			return w.v, nil
		}
	}
	return false, fmt.Errorf("expected True or False at offset %d", p.i)
}

// tuple reads (), (n,), (a, b) or (a, b,).
func (p *parser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("expected a tuple such as (1, 3, 640, 640) at offset %d", p.i)
	}
	shape := []int{}
	commas := 0
	for {
		p.ws()
		if p.eat(')') {
			break
		}
		if len(shape) > commas {
			return nil, fmt.Errorf("expected ',' or ')' at offset %d", p.i)
		}
		n, err := p.integer()
		if err != nil {
			return nil, err
		}
		if len(shape) == maxRank {
			return nil, fmt.Errorf("more than %d axes", maxRank)
		}
		shape = append(shape, n)
		p.ws()
		if p.eat(',') {
			commas++
		}
	}
	if len(shape) == 1 && commas == 0 {
		return nil, fmt.Errorf("(%d) is an int in Python, not a tuple: expected (%d,)", shape[0], shape[0])
	}
	return shape, nil
}

// integer reads a non-negative decimal int, with an optional L suffix.
func (p *parser) integer() (int, error) {
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j == p.i {
		return 0, fmt.Errorf("expected a non-negative integer at offset %d", p.i)
	}
	n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	if err != nil || n > 1<<40 {
		return 0, fmt.Errorf("dimension %s too large", p.s[p.i:j])
	}
	p.i = j
	if p.peek() == 'L' {
		p.i++
	}
	return int(n), nil
}
