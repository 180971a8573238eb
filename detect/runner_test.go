package detect

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var _ Runner = (*Model)(nil)

func TestBackendRegistry(t *testing.T) {
	_, err := BackendByName(BackendONNXRuntime)
	require.NoError(t, err)
	// This test binary does not import detect/cvdnn: the error says what to import.
	_, err = BackendByName("opencv-dnn")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `import _ "github.com/detparity/detparity/detect/cvdnn"`)
	_, err = BackendByName("tensorrt")
	assert.EqualError(t, err, `detect: unknown backend "tensorrt", expected one of: onnxruntime`)
	assert.Panics(t, func() { RegisterBackend(BackendONNXRuntime, "", nil) })
	assert.Equal(t, "tensorrt", BackendLabel("tensorrt"))
}
