package textsafe_test

import (
	"fmt"

	"github.com/detparity/detparity/internal/textsafe"
)

// A file name that would clear the terminal is shown with its escape spelled out.
func ExampleName() {
	fmt.Println(textsafe.Name("images/\x1b[2J.jpg"))
	fmt.Println(textsafe.Text("2 images failed:\n  a\rb.jpg"))
	// Output:
	// images/\x1b[2J.jpg
	// 2 images failed:
	//   a\x0db.jpg
}
