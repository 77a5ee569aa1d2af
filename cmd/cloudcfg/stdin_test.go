package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStdinPrompt checks that a command that reads a secret from a
// terminal says so on stderr first, and that one that reads it from a
// pipe or a file, or reads nothing there, does not. /dev/null stands in
// for the terminal: it is a character device too.
func TestStdinPrompt(t *testing.T) {
	st, err := os.Stat(os.DevNull)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Skipf("%s is not a character device", os.DevNull)
	}
	dir := t.TempDir()
	secretFile := write(t, filepath.Join(dir, "tok"), "tok-SeKrEt\n")
	open := func(path string) func(t *testing.T) io.Reader {
		return func(t *testing.T) io.Reader {
			f, err := os.Open(path)
			require.NoError(t, err)
			t.Cleanup(func() { f.Close() })
			return f
		}
	}
	pipe := func(*testing.T) io.Reader {
		return strings.NewReader("tok-SeKrEt\n")
	}
	const prompt = "cloudcfg: reading %s from standard input " +
		"(end it with Ctrl-D)...\n"

	tests := []struct {
		name   string
		args   []string
		stdin  func(t *testing.T) io.Reader
		prompt string // the key named, "" for no prompt
		code   int
	}{
		{name: "terminal", args: []string{"--bearer-token-file", "-"},
			stdin: open(os.DevNull), prompt: "bearer_token", code: 1},
		{name: "terminal, two flags", stdin: open(os.DevNull),
			args:   []string{"--client-secret-file=-", "--client-id-file=-"},
			prompt: "client_id", code: 1},
		{name: "terminal, no flag reads it", stdin: open(os.DevNull),
			args: []string{"--bearer-token-file", secretFile}},
		{name: "file", args: []string{"--bearer-token-file", "-"},
			stdin: open(secretFile)},
		{name: "pipe", args: []string{"--bearer-token-file", "-"},
			stdin: pipe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(),
				append([]string{"validate"}, tt.args...), tt.stdin(t),
				&stdout, &stderr, []string{"HOME=" + dir})
			assert.Equal(t, tt.code, code, stderr.String())
			if tt.prompt == "" {
				assert.NotContains(t, stderr.String(), "reading")
				return
			}
			want := fmt.Sprintf(prompt, tt.prompt)
			assert.True(t, strings.HasPrefix(stderr.String(), want),
				"stderr:\n%s", stderr.String())
			assert.Equal(t, 1, strings.Count(stderr.String(), want))
			assert.Contains(t, stderr.String(), "standard input is empty")
		})
	}
}
