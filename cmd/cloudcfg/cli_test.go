package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
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
