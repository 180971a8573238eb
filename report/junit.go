package report

import (
	"encoding/xml"
	"fmt"
	"io"
)

// JUnit XML, as Jenkins, GitLab and GitHub test reporters read it: one <testsuite>
// root, a <testcase> per check, <failure message=…> on the failed ones. No timestamp
// or duration is written, so the same result gives the same file.
type junitSuite struct {
	XMLName    xml.Name        `xml:"testsuite"`
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes junit.xml: one test suite "detparity", one test case per
// [Check] (a case per pipeline, one per comparison with the first pipeline, one for
// the dataset), failures carrying the check's message.
func (r *Report) WriteJUnit(w io.Writer) error {
	res := r.Result
	s := junitSuite{Name: "detparity", Properties: []junitProperty{
		{"model", res.Model}, {"data", res.Data},
		{"conf", fmt.Sprint(res.Conf)}, {"match_iou", fmt.Sprint(res.MatchIoU)},
		{"images", fmt.Sprint(res.Images)}, {"evaluated", fmt.Sprint(res.Evaluated)},
		{"verdict", r.Verdict.Status},
	}}
	for _, c := range r.Checks {
		jc := junitCase{ClassName: "detparity." + c.Class, Name: c.Name, SystemOut: c.Output}
		if c.Failed {
			jc.Failure = &junitFailure{Message: c.Message, Type: c.Class, Text: c.Message}
			s.Failures++
		} else if jc.SystemOut == "" {
			jc.SystemOut = c.Message
		}
		s.Cases = append(s.Cases, jc)
	}
	s.Tests = len(s.Cases)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("report: writing JUnit XML: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("report: writing JUnit XML: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("report: writing JUnit XML: %w", err)
	}
	return nil
}
