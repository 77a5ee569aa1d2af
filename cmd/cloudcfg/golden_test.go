package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// canary is in every secret of the fixtures, and in no other value.
const canary = "SeKrEt"

// goldenCase is one command line, run in a folder that holds copies of
// the fixtures, with a fixed environment.
type goldenCase struct {
	name    string
	args    []string
	environ []string
	stdin   string
	code    int
	format  string // "json" or "yaml": stdout must parse as such
}

// baseEnviron is the environment of every case: a home folder with no
// configuration in it, so that discovery finds nothing.
var baseEnviron = []string{"HOME=/nonexistent-home", "PATH=/usr/bin"}

// layered sets a value in every layer: defaults, a file, a dotenv file,
// the environment (a _FILE form) and a flag, with values shadowed.
var layered = goldenCase{
	args: []string{"-c", "creds.good.yaml", "--env-file", "app.env",
		"--timeout", "20s"},
	environ: []string{"AIRBYTE_CLOUD_BEARER_TOKEN_FILE=token.txt"},
}

func with(c goldenCase, name string, args ...string) goldenCase {
	c.name = name
	c.args = append(append([]string(nil), args...), c.args...)
	return c
}

var goldenCases = []goldenCase{
	with(layered, "show-text", "show"),
	with(layered, "show-json", "show", "-o", "json"),
	with(layered, "show-yaml", "show", "-o", "yaml"),
	{name: "show-derived", args: []string{"show", "-c", "bearer.good.yaml"}},
	{name: "show-invalid", code: 1,
		args: []string{"show", "-c", "four-problems.bad.yaml"}},
	{name: "show-invalid-json", code: 1, format: "json",
		args: []string{"show", "-o", "json", "-c", "four-problems.bad.yaml"}},
	{name: "show-stdin-secret", stdin: "tok-SeKrEt-stdin\n",
		args: []string{"show", "--bearer-token-file", "-",
			"--api-root", "https://airbyte.example.com/api/public/v1/"}},
	{name: "validate-ok", args: []string{"validate", "-c", "creds.good.yaml"}},
	{name: "validate-text", code: 1,
		args: []string{"validate", "-c", "four-problems.bad.yaml"}},
	{name: "validate-json", code: 1, format: "json",
		args: []string{"validate", "-o", "json",
			"-c", "four-problems.bad.yaml"}},
	{name: "validate-ok-json", format: "json",
		args: []string{"validate", "-o", "json", "-c", "bearer.good.yaml"}},
	{name: "validate-layers", code: 1,
		args:    []string{"validate", "-c", "bearer.good.yaml"},
		environ: []string{"AIRBYTE_CLOUD_CLIENT_ID=id-SeKrEt-env"}},
	{name: "validate-layers-json", code: 1, format: "json",
		args: []string{"validate", "-o", "json", "-c", "half.bad.yaml",
			"-c", "both-methods.bad.yaml", "-c", "wrong-type.bad.yaml"}},
	{name: "validate-nothing", code: 1, args: []string{"validate"}},
	{name: "validate-syntax", code: 1,
		args: []string{"validate", "-c", "syntax.bad.yaml"}},
	{name: "validate-warnings",
		args: []string{"validate", "-c", "readable.yaml"},
		environ: []string{"AIRBYTE_CLOUD_CLIENT_SECRT=x",
			"AIRBYTE_CLOUD_CLIENT_SECRET=sec-SeKrEt-env",
			"AIRBYTE_CLOUD_WORKSPACE_ID=ws"}},
	{name: "env", args: []string{"env"}, environ: []string{
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt-env",
		"AIRBYTE_CLOUD_CLIENT_ID=",
		"CLOUDCFG_CONFIG=creds.good.yaml"}},
	{name: "env-unread", args: []string{"env"}, environ: []string{
		"AIRBYTE_CLOUD_CLIENT_SECRT=sec-SeKrEt-env",
		"AIRBYTE_CLOUD_BEARER_TOKN=",
		"AIRBYTE_CLOUD_WORKSPACE_ID=ws-SeKrEt",
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt-env"}},
	{name: "env-json", args: []string{"env", "-o", "json"}, format: "json",
		environ: []string{"AIRBYTE_CLOUD_BEARER_TOKEN_FILE=token.txt"}},
	{name: "schema", args: []string{"schema"}, format: "json"},
	{name: "usage", code: 2, args: []string{"show", "-o", "xml"}},
}

// TestGolden runs every command on the fixtures and compares its exit
// code and output with testdata/golden; -update rewrites the files.
func TestGolden(t *testing.T) {
	golden, err := filepath.Abs("../../testdata/golden")
	require.NoError(t, err)
	work := fixtureDir(t)
	t.Chdir(work)

	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			environ := append(append([]string(nil), baseEnviron...),
				tc.environ...)
			code := run(context.Background(), tc.args,
				strings.NewReader(tc.stdin), &stdout, &stderr, environ)

			got := transcript(tc, code, stdout.String(), stderr.String())
			assert.NotContains(t, stdout.String()+stderr.String(), canary,
				"a secret leaked")
			assert.Equal(t, tc.code, code, "exit code\n%s", got)
			checkParses(t, tc.format, stdout.Bytes())

			path := filepath.Join(golden, tc.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./cmd/cloudcfg -update")
			assert.Equal(t, string(want), got)
		})
	}
}

// fixtureDir copies the fixtures into a new folder, readable by the
// owner alone so that no warning depends on the umask of the checkout,
// and adds readable.yaml, which every user may read.
func fixtureDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	paths, err := filepath.Glob("../../testdata/*")
	require.NoError(t, err)
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		dst := filepath.Join(dir, filepath.Base(p))
		require.NoError(t, os.WriteFile(dst, data, 0o600))
	}
	readable := filepath.Join(dir, "readable.yaml")
	require.NoError(t, os.WriteFile(readable,
		[]byte("client_id: id-SeKrEt-readable\n"), 0o600))
	require.NoError(t, os.Chmod(readable, 0o644))
	return dir
}

// transcript is what a golden file holds: the command, its exit code and
// both streams.
func transcript(tc goldenCase, code int, stdout, stderr string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, kv := range tc.environ {
		if name, v, _ := strings.Cut(kv, "="); strings.Contains(v, canary) {
			kv = name + "=..."
		}
		b.WriteString(" " + kv)
	}
	b.WriteString(" cloudcfg " + strings.Join(tc.args, " ") + "\n")
	b.WriteString("exit " + strconv.Itoa(code) + "\n")
	b.WriteString("-- stdout --\n" + stdout)
	b.WriteString("-- stderr --\n" + stderr)
	return b.String()
}

func checkParses(t *testing.T, format string, out []byte) {
	t.Helper()
	var v any
	switch format {
	case "json":
		assert.NoError(t, json.Unmarshal(out, &v), "stdout is not JSON")
	case "yaml":
		assert.NoError(t, yaml.Unmarshal(out, &v), "stdout is not YAML")
	}
}

// TestShowFormatsAgree checks that show's JSON and YAML hold the same
// data.
func TestShowFormatsAgree(t *testing.T) {
	t.Chdir(fixtureDir(t))
	out := func(format string) map[string]any {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), with(layered, "", "show", "-o",
			format).args, strings.NewReader(""), &stdout, &stderr,
			append(append([]string(nil), baseEnviron...),
				layered.environ...))
		require.Equal(t, 0, code, stderr.String())
		var v map[string]any
		if format == "json" {
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &v))
		} else {
			require.NoError(t, yaml.Unmarshal(stdout.Bytes(), &v))
		}
		return v
	}
	assert.Equal(t, out("json"), out("yaml"))
}
