package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

func TestLineHandler(t *testing.T) {
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want string
	}{
		{"warning", func(l *slog.Logger) { l.Warn("look out") },
			"cloudcfg: warning: look out\n"},
		{"attributes", func(l *slog.Logger) {
			l.Warn("file is readable", "file", "a b.yaml", "line", 3)
		}, `cloudcfg: warning: file is readable (file="a b.yaml" line=3)` + "\n"},
		{"secret", func(l *slog.Logger) {
			l.Warn("odd", "token", secret.New("tok-SeKrEt"))
		}, "cloudcfg: warning: odd (token=[REDACTED])\n"},
		{"groups", func(l *slog.Logger) {
			l.With("a", 1).WithGroup("g").Error("bad", "b", "", "c",
				slog.GroupValue(slog.Bool("d", true)))
		}, `cloudcfg: error: bad (a=1 g.b="" g.c.d=true)` + "\n"},
		{"control characters", func(l *slog.Logger) {
			l.Warn("X\x1b[2J is set", "file", "a\u202e.yaml", "k\a", "\t")
		}, `cloudcfg: warning: X\x1b[2J is set (file="a\u202e.yaml" k\a="\t")` +
			"\n"},
		{"info", func(l *slog.Logger) { l.Info("note") }, "cloudcfg: note\n"},
		{"debug is dropped", func(l *slog.Logger) { l.Debug("x") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.log(slog.New(newLineHandler(&b)))
			assert.Equal(t, tt.want, b.String())
		})
	}
}

// TestEnvListsEveryVariable checks that env lists each variable the
// loader reads, aliases and _FILE forms included, and no value.
func TestEnvListsEveryVariable(t *testing.T) {
	keys, err := loader.Describe(&config.CloudClientConfig{})
	require.NoError(t, err)
	var environ []string
	for _, k := range keys {
		for _, n := range k.Env {
			environ = append(environ, n+"=value-SeKrEt")
		}
		if k.FileEnv != "" {
			environ = append(environ, k.FileEnv+"=")
		}
	}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"env", "-o", "json"},
		strings.NewReader(""), &stdout, &stderr, environ)
	require.Equal(t, 0, code, stderr.String())
	assert.NotContains(t, stdout.String(), "SeKrEt")

	var vars []envVar
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &vars))
	state := map[string]string{}
	for _, v := range vars {
		state[v.Name] = v.State
	}
	for _, k := range keys {
		for _, n := range k.Env {
			assert.Equal(t, "set", state[n], n)
		}
		if k.FileEnv != "" {
			assert.Equal(t, "empty", state[k.FileEnv], k.FileEnv)
		}
	}
	assert.Equal(t, "unset", state[config.ConfigVar])
}

// TestLoadingFlags checks that the commands that load take -c, --env-file
// and a flag for each key, and list them in their help, and that the
// commands that load nothing refuse them rather than ignore them.
func TestLoadingFlags(t *testing.T) {
	loads := map[string]bool{"show": true, "validate": true, "check": true,
		"token": true, "env": false, "schema": false}
	keys, err := loader.Describe(&config.CloudClientConfig{})
	require.NoError(t, err)
	flags := []string{"-c", "--config", "--env-file"}
	for _, k := range keys {
		flags = append(flags, k.Flag)
	}
	environ := []string{"HOME=" + t.TempDir()}

	a := newApp(strings.NewReader(""), io.Discard, io.Discard, nil)
	for _, c := range a.rootCmd().Commands() {
		name := c.Name()
		if name == "help" || name == "completion" {
			continue
		}
		load, ok := loads[name]
		require.True(t, ok, "does %s load the configuration?", name)
		t.Run(name, func(t *testing.T) {
			help := runCLI(t, []string{name, "--help"}, environ, "")
			require.Equal(t, 0, help.code, help.stderr)
			for _, f := range flags {
				listed := regexp.MustCompile(`\s` + f + `[ ,]`)
				if load {
					assert.Regexp(t, listed, help.stdout, "help lists %s", f)
					continue
				}
				assert.NotRegexp(t, listed, help.stdout, "help lists %s", f)
				r := runCLI(t, []string{name, f, "x.yaml"}, environ, "")
				assert.Equal(t, 2, r.code, "%s %s: %s", name, f, r.stderr)
				assert.Contains(t, r.stderr, "unknown")
				assert.Empty(t, r.stdout)
			}
		})
	}
}

// TestRepeatedFlag checks that a loading flag that takes one value is
// refused when given twice, rather than let the second replace the first,
// and that -c may be repeated.
func TestRepeatedFlag(t *testing.T) {
	keys, err := loader.Describe(&config.CloudClientConfig{})
	require.NoError(t, err)
	flags := []string{"--env-file"}
	for _, k := range keys {
		flags = append(flags, k.Flag)
	}
	environ := []string{"HOME=" + t.TempDir()}
	for _, f := range flags {
		t.Run(f, func(t *testing.T) {
			r := runCLI(t, []string{"validate", f + "=a", f, "b"}, environ,
				"")
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Equal(t, "cloudcfg: "+f+" is given twice; it takes one "+
				"value\nRun 'cloudcfg --help' for usage.\n", r.stderr)
		})
	}

	t.Run("-c", func(t *testing.T) {
		dir := t.TempDir()
		a := write(t, filepath.Join(dir, "a.yaml"), "timeout: 5s\n")
		b := write(t, filepath.Join(dir, "b.yaml"), "bearer_token: tok\n")
		r := runCLI(t, []string{"show", "-c", a, "--config", b},
			environ, "")
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "file "+a+":1")
		assert.Contains(t, r.stdout, "file "+b+":1")
	})
}

// TestEnvUnread checks that env lists the AIRBYTE_CLOUD_ variables that
// are present but not read, with the nearest name read, and no value.
func TestEnvUnread(t *testing.T) {
	environ := []string{
		"AIRBYTE_CLOUD_CLEINT_SECRET=sec-SeKrEt",
		"AIRBYTE_CLOUD_CLIENT_ID_FLIE=id-SeKrEt",
		"AIRBYTE_CLOUD_TIMOUT=",
		"AIRBYTE_CLOUD_WORKSPACE_ID=ws-SeKrEt",
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt",
		"AIRBYTE_BEARER_TOKN=tok-SeKrEt",
		"OTHER_CLOUD_TIMEOUT=5s",
	}
	want := []envVar{
		{Name: "AIRBYTE_CLOUD_CLEINT_SECRET", State: "set",
			Nearest: "AIRBYTE_CLOUD_CLIENT_SECRET"},
		{Name: "AIRBYTE_CLOUD_CLIENT_ID_FLIE", State: "set",
			Nearest: "AIRBYTE_CLOUD_CLIENT_ID_FILE"},
		{Name: "AIRBYTE_CLOUD_TIMOUT", State: "empty",
			Nearest: "AIRBYTE_CLOUD_TIMEOUT"},
		{Name: "AIRBYTE_CLOUD_WORKSPACE_ID", State: "set"},
	}
	for i := range want {
		want[i].Unread, want[i].Note = true, "not read by cloudcfg"
	}

	r := runCLI(t, []string{"env", "-o", "json"}, environ, "")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "SeKrEt")
	var vars []envVar
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &vars))
	var unread []envVar
	for _, v := range vars {
		if v.Unread {
			unread = append(unread, v)
		}
	}
	assert.Equal(t, want, unread)

	r = runCLI(t, []string{"env"}, environ, "")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "SeKrEt")
	_, after, ok := strings.Cut(r.stdout, "\nset here but not read by "+
		"cloudcfg:\n")
	require.True(t, ok, r.stdout)
	lines := strings.Split(strings.TrimSuffix(after, "\n"), "\n")
	require.Len(t, lines, len(want)+1, after)
	for i, w := range want {
		assert.Equal(t, []string{w.Name, w.State, orDash(w.Nearest)},
			strings.Fields(lines[i+1]))
	}
}

func TestValidateBuildsTheClient(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("not.pem", []byte("hello\n"), 0o600))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"validate"},
		strings.NewReader(""), &stdout, &stderr, []string{
			"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt",
			"AIRBYTE_CLOUD_CA_FILE=not.pem"})
	assert.Equal(t, 1, code, stderr.String())
	assert.Contains(t, stderr.String(),
		"env AIRBYTE_CLOUD_CA_FILE: ca_file: holds no PEM certificate")
	assert.NotContains(t, stdout.String()+stderr.String(), "SeKrEt")
}

func TestEnvFileNeedsAPath(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"validate", "--env-file", ""},
		strings.NewReader(""), &stdout, &stderr, nil)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "--env-file needs a path")
}

func TestValidateJSONForClientProblem(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("not.pem", []byte("hello\n"), 0o600))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"validate", "-o", "json"},
		strings.NewReader(""), &stdout, &stderr, []string{
			"AIRBYTE_CLOUD_BEARER_TOKEN=t", "AIRBYTE_CLOUD_CA_FILE=not.pem"})
	assert.Equal(t, 1, code)
	var v struct {
		Valid  bool           `json:"valid"`
		Method string         `json:"method"`
		Errors []shownProblem `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &v), stdout.String())
	assert.False(t, v.Valid)
	assert.Empty(t, v.Method, "an invalid configuration has no method")
	require.Len(t, v.Errors, 1)
	assert.Equal(t, "AIRBYTE_CLOUD_CA_FILE", v.Errors[0].Env)
	assert.Equal(t, "env AIRBYTE_CLOUD_CA_FILE", v.Errors[0].Source)
}
