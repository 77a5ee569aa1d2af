package loader_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

type mergeServer struct {
	Host    string        `yaml:"host" default:"0.0.0.0"`
	Port    int           `yaml:"port" default:"8080"`
	Timeout time.Duration `yaml:"timeout" default:"5s"`
	TLS     struct {
		CertFile string `yaml:"cert_file"`
		KeyFile  string `yaml:"key_file" default:"/default.key"`
	} `yaml:"tls"`
}

type mergeConfig struct {
	Name     string        `yaml:"name"`
	Token    secret.String `yaml:"token"`
	Tags     []string      `yaml:"tags" default:"a,b"`
	Addr     net.IP        `yaml:"addr" default:"127.0.0.1"`
	Server   mergeServer   `yaml:"server"`
	Replicas uint8         `yaml:"replicas" default:"3"`
}

func environ(kv map[string]string) loader.Option {
	var list []string
	for k, v := range kv {
		list = append(list, k+"="+v)
	}
	return loader.WithEnviron(list)
}

// TestLoadMergesLayers checks the merged value and source of keys at
// every depth: from a default alone, from a file over a default, from a
// later file over an earlier one, from the environment and from an
// option.
func TestLoadMergesLayers(t *testing.T) {
	base := writeFile(t, t.TempDir(), "base.yaml", `name: base
server:
  port: 1000
  tls:
    cert_file: /base.crt
`)
	over := writeFile(t, t.TempDir(), "over.yaml", `server:
  port: 2000
  tls:
    key_file: /over.key
`)
	var c mergeConfig
	r, err := loader.Load(context.Background(), &c,
		loader.WithFiles(base, over), loader.WithEnvPrefix("APP"),
		environ(map[string]string{"APP_SERVER_TIMEOUT": "7s",
			"APP_TAGS": "x, y", "APP_TOKEN": "env-token"}),
		loader.WithValue("server.host", "option.example"))
	require.NoError(t, err)

	assert.Equal(t, "base", c.Name)
	assert.Equal(t, "option.example", c.Server.Host)
	assert.Equal(t, 2000, c.Server.Port)
	assert.Equal(t, 7*time.Second, c.Server.Timeout)
	assert.Equal(t, "/base.crt", c.Server.TLS.CertFile)
	assert.Equal(t, "/over.key", c.Server.TLS.KeyFile)
	assert.Equal(t, []string{"x", "y"}, c.Tags)
	assert.Equal(t, "env-token", c.Token.Reveal())
	assert.Equal(t, uint8(3), c.Replicas)
	assert.Equal(t, "127.0.0.1", c.Addr.String())

	tests := []struct {
		key, source string
	}{
		{"name", "file " + base + ":1"},
		{"server.host", "option"},
		{"server.port", "file " + over + ":2"},
		{"server.timeout", "env APP_SERVER_TIMEOUT"},
		{"server.tls.cert_file", "file " + base + ":5"},
		{"server.tls.key_file", "file " + over + ":4"},
		{"tags", "env APP_TAGS"},
		{"token", "env APP_TOKEN"},
		{"replicas", "default"},
	}
	for _, tt := range tests {
		src, ok := r.Source(tt.key)
		if assert.True(t, ok, tt.key) {
			assert.Equal(t, tt.source, src.String(), tt.key)
		}
	}
	require.Len(t, r.Shadowed, 1)
	assert.Equal(t, "server.port", r.Shadowed[0].Key)
	assert.Equal(t, "1000", r.Shadowed[0].Value)
}

// TestLoadReportSources checks that each entry of the report has a source
// of its own.
func TestLoadReportSources(t *testing.T) {
	var c mergeConfig
	r, err := loader.Load(context.Background(), &c,
		environ(map[string]string{"APP_NAME": "n"}),
		loader.WithEnvPrefix("APP"))
	require.NoError(t, err)

	seen := map[*loader.Source]string{}
	for _, e := range r.Values {
		if e.Source == nil {
			assert.False(t, e.Set, e.Key)
			continue
		}
		assert.Empty(t, seen[e.Source], "%s shares a source with %s",
			e.Key, seen[e.Source])
		seen[e.Source] = e.Key
	}
	src, ok := r.Source("name")
	require.True(t, ok)
	assert.Equal(t, "env APP_NAME", src.String())
}

// TestLoadDefaultsNotShared checks that a caller who changes a loaded
// value in place does not change the default of the next load.
func TestLoadDefaultsNotShared(t *testing.T) {
	var first mergeConfig
	_, err := loader.Load(context.Background(), &first,
		loader.WithEnviron(nil))
	require.NoError(t, err)
	first.Tags[0] = "changed"
	first.Addr[len(first.Addr)-1] = 9

	var second mergeConfig
	_, err = loader.Load(context.Background(), &second,
		loader.WithEnviron(nil))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, second.Tags)
	assert.Equal(t, "127.0.0.1", second.Addr.String())
}

// TestLoadBadDefault checks that a default tag that does not parse is
// reported on every load, not only the first.
func TestLoadBadDefault(t *testing.T) {
	type bad struct {
		Port int    `yaml:"port" default:"eighty"`
		Name string `yaml:"name" default:"ok"`
	}
	for i := range 2 {
		var c bad
		_, err := loader.Load(context.Background(), &c,
			loader.WithEnviron(nil))
		var ve *loader.ValidationError
		require.ErrorAs(t, err, &ve, "load %d", i)
		require.Len(t, ve.Problems, 1, "load %d", i)
		assert.Equal(t, "port", ve.Problems[0].Key)
		assert.Equal(t, "ok", c.Name)
	}
}

// TestLoadWarnsUnknownVars checks the warnings about variables that look
// like the struct's but are not read.
func TestLoadWarnsUnknownVars(t *testing.T) {
	var c mergeConfig
	r, err := loader.Load(context.Background(), &c,
		loader.WithEnvPrefix("APP"), loader.WithFilesFromEnv("APP_FILES"),
		loader.WithEnvWarnings([]string{"APP_"}, "APP_KNOWN"),
		environ(map[string]string{"APP_SERVER_PROT": "1",
			"APP_KNOWN": "1", "APP_FILES": "", "APP_NAME": "n",
			"APP_ZZZZZZZZZZZZ": "1", "OTHER_NAME": "1"}))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"APP_SERVER_PROT is set but not read; did you mean APP_SERVER_PORT?",
		"APP_ZZZZZZZZZZZZ is set but not read",
	}, r.Warnings)
}

// TestLoadConcurrent loads one struct type from many goroutines at once,
// for the race detector: they share the type's cached schema.
func TestLoadConcurrent(t *testing.T) {
	path := writeFile(t, t.TempDir(), "c.yaml", "name: c\nserver:\n  port: 1\n")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var c mergeConfig
			_, err := loader.Load(context.Background(), &c,
				loader.WithFiles(path), loader.WithEnviron(nil))
			assert.NoError(t, err)
			assert.Equal(t, 1, c.Server.Port)
		})
	}
	wg.Wait()
}
