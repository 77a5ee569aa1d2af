package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
)

var errDiskFull = errors.New("no space left on device")

// fullWriter takes the first n bytes written to it, then fails as a full
// disk does.
type fullWriter struct {
	n   int
	got bytes.Buffer
}

func (w *fullWriter) Write(p []byte) (int, error) {
	room := w.n - w.got.Len()
	if room >= len(p) {
		return w.got.Write(p)
	}
	w.got.Write(p[:max(room, 0)])
	return max(room, 0), errDiskFull
}

func TestOutWriter(t *testing.T) {
	w := &fullWriter{n: 4}
	o := &outWriter{w: w}

	n, err := o.Write([]byte("abc"))
	assert.Equal(t, 3, n)
	require.NoError(t, err)
	require.NoError(t, o.Err())

	n, err = o.Write([]byte("def"))
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, err, errDiskFull)

	n, err = o.Write([]byte("g"))
	assert.Equal(t, 0, n, "a write after a failure goes nowhere")
	assert.ErrorIs(t, err, errDiskFull)
	assert.ErrorIs(t, o.Err(), errDiskFull, "the first error is kept")
	assert.Equal(t, "abcd", w.got.String())
}

// shortWriter takes one byte less than it is given and reports no error,
// which io.Writer forbids.
type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) - 1, nil }

func TestOutWriterShortWrite(t *testing.T) {
	o := &outWriter{w: shortWriter{}}
	_, err := o.Write([]byte("abc"))
	assert.ErrorIs(t, err, io.ErrShortWrite)
	assert.ErrorIs(t, o.Err(), io.ErrShortWrite)
}

// TestWriteError runs every command line that works with a stdout that
// fails, at once or part way, and checks that each exits 1 with the write
// error and no usage hint, never 0 or 2.
func TestWriteError(t *testing.T) {
	api := fakeapi.Start()
	defer api.Close()
	environ := []string{"HOME=" + t.TempDir(),
		"AIRBYTE_CLOUD_API_URL=" + api.URL + fakeapi.CloudPath,
		"AIRBYTE_CLOUD_BEARER_TOKEN=" + fakeapi.BearerToken}
	t.Chdir(t.TempDir())

	lines := append(commandLines(), []string{"token"}, []string{"--help"},
		[]string{"show", "--help"}, []string{"--version"})
	for _, line := range lines {
		var stdout, stderr bytes.Buffer
		if run(context.Background(), line, strings.NewReader(""), &stdout,
			&stderr, environ) == 2 {
			continue // a usage error, which writes nothing on stdout
		}
		require.NotEmpty(t, stdout.String(), "%v: %s", line, stderr.String())
		for _, room := range []int{0, 10} {
			name := strings.Join(line, "_")
			if room > 0 {
				name += "_after_10_bytes"
			}
			t.Run(name, func(t *testing.T) {
				var stderr bytes.Buffer
				code := run(context.Background(), line,
					strings.NewReader(""), &fullWriter{n: room}, &stderr,
					environ)
				assert.Equal(t, 1, code, "stderr:\n%s", stderr.String())
				assert.Equal(t, "cloudcfg: write output: "+
					errDiskFull.Error()+"\n", stderr.String())
			})
		}
	}
}
