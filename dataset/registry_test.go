package dataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecoderRegistry(t *testing.T) {
	d, err := DecoderByName("go")
	require.NoError(t, err)
	assert.Equal(t, "go", d.Name())
	// A known decoder whose package this program does not import: the error says what to import. (This test
	// binary imports dataset/opencv through decoder_parity_test.go, so a hint of its own stands in for it;
	// parity's TestLibraryWithoutOpenCV checks the real "opencv" hint in a binary without gocv.)
	registryHints["example"] = `import _ "example.com/decoder"`
	defer delete(registryHints, "example")
	_, err = DecoderByName("example")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `decoder "example" is not registered in this program: import _ "example.com/decoder"`)
	assert.Contains(t, err.Error(), "decoder=go")
	_, err = DecoderByName("pillow")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `dataset: unknown decoder "pillow", expected one of: go`)
	assert.Panics(t, func() { RegisterDecoder("go", GoDecoder{}) }, "a second registration of a name is a bug")
	assert.Contains(t, Registered(), "go")
}
