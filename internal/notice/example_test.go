package notice_test

import (
	"fmt"
	"strings"

	"github.com/detparity/detparity/internal/notice"
)

// A Files table row covers the files its patterns match.
func ExampleParseRows() {
	table := `## Files

| Files | Made by | Third-party source | Licence |
|---|---|---|---|
| ` + "`**/testdata/fuzz/**`" + ` | ` + "`go test -fuzz`" + ` | — | Apache-2.0 |
`
	rows, err := notice.ParseRows("THIRD_PARTY.md", strings.NewReader(table))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"detect/testdata/fuzz/FuzzDecode/seed-a", "detect/testdata/layouts.json"} {
		fmt.Println(name, notice.Match(rows[0].Patterns[0], name), rows[0].MadeBy)
	}
	// Output:
	// detect/testdata/fuzz/FuzzDecode/seed-a true `go test -fuzz`
	// detect/testdata/layouts.json false `go test -fuzz`
}
