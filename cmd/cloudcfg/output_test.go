package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text, with spaces", "plain text, with spaces"},
		{`C:\cfg\app.yaml`, `C:\cfg\app.yaml`},
		{"naïve 日本 ✓", "naïve 日本 ✓"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"row\nfake\trow", `row\nfake\trow`},
		{"\r\x00\x7f", `\r\x00\x7f`},
		{"\u202egnp.exe", `\u202egnp.exe`},
		{"nbsp\u00a0", `nbsp\u00a0`},
		{"\x9b2J", `\x9b2J`}, // C1 CSI, and not UTF-8
		{"\u009b2J", `\u009b2J`},
		{"\xff\xfeok", `\xff\xfeok`},
		{"\ufffd", "\ufffd"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, printable(tt.in), "printable(%q)", tt.in)
	}
}

// assertPrintable fails t when out holds a rune that is not printable,
// line ends aside.
func assertPrintable(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		assert.Equal(t, printable(line), line, "%s holds a line that is "+
			"not printable", what)
	}
}

// TestControlCharacters feeds control characters and escape sequences in
// through a file's name, its keys and values, and the environment, and
// checks that no text output carries them raw: they show escaped, and
// add no line to a table. JSON and YAML are left to their encoders, which
// escape the C0 controls.
func TestControlCharacters(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const esc = "\x1b]0;pwned\x07\x1b[2J"
	cfg := write(t, filepath.Join(dir, "c"+esc+".yaml"),
		`ca_file: "/ca\e[31m\u202e\nclient_secret  [REDACTED]  x"`+"\n"+
			`"client_i\e[1md": x`+"\n"+
			`api_root: "https://airbyte.example.com/\x9b2J"`+"\n")
	environ := []string{"HOME=" + dir,
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt",
		"AIRBYTE_CLOUD_C" + esc + "=1"}
	warning := `AIRBYTE_CLOUD_C\x1b]0;pwned\a\x1b[2J is set but not read`

	for _, cmd := range []string{"show", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			r := runCLI(t, []string{cmd, "-c", cfg}, environ, "")
			assertPrintable(t, "stdout", r.stdout)
			assertPrintable(t, "stderr", r.stderr)
			assert.Equal(t, 1, r.code, r.stderr)
			assert.Contains(t, r.stderr, `c\x1b]0;pwned\a\x1b[2J.yaml:2`,
				"the file")
			assert.Contains(t, r.stderr, `client_i\x1b[1md`, "the key")
			assert.Contains(t, r.stderr, warning, "the variable")
			assert.NotContains(t, r.stdout+r.stderr, "SeKrEt")
			if cmd == "show" {
				assert.Contains(t, r.stdout, `/ca\x1b[31m\u202e\nclient_`)
				assert.Contains(t, r.stdout, `example.com/\u009b2J`)
				assert.Equal(t, 9, strings.Count(r.stdout, "\n"),
					"a header and a line a key:\n%s", r.stdout)
			}
		})
	}

	t.Run("env", func(t *testing.T) {
		r := runCLI(t, []string{"env"}, environ, "")
		require.Equal(t, 0, r.code, r.stderr)
		assertPrintable(t, "stdout", r.stdout)
		assertPrintable(t, "stderr", r.stderr)
	})

	for _, format := range []string{"json", "yaml"} {
		t.Run("show_"+format, func(t *testing.T) {
			r := runCLI(t, []string{"show", "-o", format, "-c", cfg},
				environ, "")
			assert.Equal(t, 1, r.code, r.stderr)
			assertPrintable(t, "stderr", r.stderr)
			assert.NotContains(t, r.stdout, "\x1b")
			assert.NotContains(t, r.stdout, "\x07")
			assert.NotContains(t, r.stdout, "\r")
		})
	}
}

// TestControlCharactersFromServer checks that what an API server says,
// in a status line or a body quoted in an error, reaches the terminal
// escaped.
func TestControlCharactersFromServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "\x1b]0;pwned\x07\x1b[2Jbad gateway\nok: fine")
		}))
	defer srv.Close()
	environ := []string{"HOME=" + t.TempDir(),
		"AIRBYTE_CLOUD_API_URL=" + srv.URL + "/v1",
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok",
		"AIRBYTE_CLOUD_TIMEOUT=5s"}

	r := runCLI(t, []string{"check"}, environ, "")
	assert.Equal(t, 1, r.code, r.stderr)
	assertPrintable(t, "stdout", r.stdout)
	assertPrintable(t, "stderr", r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
}
