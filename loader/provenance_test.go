package loader_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

// writeFile writes content to name in dir with mode 0600 and returns
// the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// loadCloud loads a CloudClientConfig with only the given environment.
func loadCloud(t *testing.T, environ []string, opts ...loader.Option) (
	*config.CloudClientConfig, *loader.Report, error) {
	t.Helper()
	all := append([]loader.Option{loader.WithEnviron(environ)}, opts...)
	return config.LoadReport(context.Background(), all...)
}

func sourceOf(t *testing.T, r *loader.Report, key string) string {
	t.Helper()
	src, ok := r.Source(key)
	if !ok {
		return ""
	}
	return src.String()
}

// TestProvenance checks the source recorded for each kind of layer.
func TestProvenance(t *testing.T) {
	dir := t.TempDir()
	token := writeFile(t, dir, "token", "tok-SeKrEt-file\n")
	file := writeFile(t, dir, "config.yaml",
		"# comment\nclient_id: id-SeKrEt\n\ntimeout: 10s\n")
	dotenv := writeFile(t, dir, "app.env",
		"# comment\nAIRBYTE_CLOUD_CLIENT_SECRET=sec-SeKrEt\n"+
			"AIRBYTE_CLOUD_CA_FILE=../testdata/ca.pem\n")

	tests := []struct {
		name    string
		environ []string
		opts    func(t *testing.T) []loader.Option
		want    map[string]string // key -> source; "" for unset
	}{
		{
			name:    "default and derived",
			environ: []string{"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt"},
			want: map[string]string{
				"api_root":        "default",
				"timeout":         "default",
				"config_api_root": "derived from api_root",
				"bearer_token":    "env AIRBYTE_CLOUD_BEARER_TOKEN",
				"client_id":       "",
				"ca_file":         "",
			},
		},
		{
			name:    "env alias",
			environ: []string{"AIRBYTE_BEARER_TOKEN=tok-SeKrEt"},
			want:    map[string]string{"bearer_token": "env AIRBYTE_BEARER_TOKEN"},
		},
		{
			name: "env NAME_FILE",
			environ: []string{
				"AIRBYTE_CLOUD_BEARER_TOKEN_FILE=" + token,
				"AIRBYTE_CLOUD_BEARER_TOKEN=",
			},
			want: map[string]string{
				"bearer_token": "env AIRBYTE_CLOUD_BEARER_TOKEN_FILE (" +
					token + ")",
			},
		},
		{
			name: "file lines and dotenv lines",
			opts: func(*testing.T) []loader.Option {
				return []loader.Option{loader.WithFiles(file),
					loader.WithDotenv(dotenv)}
			},
			want: map[string]string{
				"client_id":     "file " + file + ":2",
				"timeout":       "file " + file + ":4",
				"client_secret": "dotenv " + dotenv + ":2",
				"ca_file":       "dotenv " + dotenv + ":3",
			},
		},
		{
			name: "flags",
			environ: []string{
				"AIRBYTE_CLOUD_API_URL=https://env.example.com/v1"},
			opts: func(t *testing.T) []loader.Option {
				fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
				require.NoError(t, loader.BindFlags(fs,
					&config.CloudClientConfig{}))
				require.NoError(t, fs.Parse([]string{
					"--api-root", "https://flag.example.com/v1",
					"--bearer-token-file", token}))
				return []loader.Option{loader.WithFlags(fs)}
			},
			want: map[string]string{
				"api_root":     "flag --api-root",
				"bearer_token": "flag --bearer-token-file (" + token + ")",
			},
		},
		{
			name: "secret flag from standard input",
			opts: func(t *testing.T) []loader.Option {
				fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
				require.NoError(t, loader.BindFlags(fs,
					&config.CloudClientConfig{}))
				require.NoError(t, fs.Parse([]string{
					"--bearer-token-file", "-"}))
				return []loader.Option{loader.WithFlags(fs),
					loader.WithStdin(strings.NewReader("tok-SeKrEt\n"))}
			},
			want: map[string]string{
				"bearer_token": "flag --bearer-token-file (-)",
			},
		},
		{
			name:    "option",
			environ: []string{"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt"},
			opts: func(*testing.T) []loader.Option {
				return []loader.Option{
					loader.WithValue("api_root", "https://opt.example.com/v1"),
				}
			},
			want: map[string]string{
				"api_root":        "option",
				"config_api_root": "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []loader.Option
			if tt.opts != nil {
				opts = tt.opts(t)
			}
			_, r, err := loadCloud(t, tt.environ, opts...)
			require.NoError(t, err)
			for key, want := range tt.want {
				assert.Equal(t, want, sourceOf(t, r, key), "source of %s", key)
			}
		})
	}
}

// TestShadowed checks that values hidden by a higher layer are listed
// with where they came from and what hid them.
func TestShadowed(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "config.yaml", "client_id: id-SeKrEt\n"+
		"client_secret: sec-SeKrEt\napi_root: https://file.example.com/v1\n")
	_, r, err := loadCloud(t, []string{
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok-SeKrEt",
		"AIRBYTE_CLOUD_API_URL=https://env.example.com/v1",
	}, loader.WithFiles(file))
	require.NoError(t, err)

	type shadow struct{ key, value, source, by string }
	var got []shadow
	for _, sh := range r.Shadowed {
		got = append(got, shadow{sh.Key, sh.Value, sh.Source.String(),
			sh.By.String()})
	}
	bearer := "env AIRBYTE_CLOUD_BEARER_TOKEN"
	assert.ElementsMatch(t, []shadow{
		{"api_root", "https://file.example.com/v1", "file " + file + ":3",
			"env AIRBYTE_CLOUD_API_URL"},
		{"client_id", "[REDACTED]", "file " + file + ":1", bearer},
		{"client_secret", "[REDACTED]", "file " + file + ":2", bearer},
	}, got)

	e, ok := r.Entry("client_id")
	require.True(t, ok)
	assert.False(t, e.Set, "the shadowed client_id must not count as set")
}

type server struct {
	Host string        `yaml:"host" default:"localhost"`
	Port int           `yaml:"port" validate:"gt=0"`
	TLS  tlsSettings   `yaml:"tls"`
	Auth serverSecrets `yaml:",inline"`
}

type tlsSettings struct {
	Cert string `yaml:"cert" doc:"PEM certificate file."`
}

type serverSecrets struct {
	Token secret.String `yaml:"token"`
}

// TestProvenanceNested checks a generic struct with a nested section
// and variables named from a prefix.
func TestProvenanceNested(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "app.yaml", "port: 8080\ntls:\n  cert: a.pem\n")
	var s server
	r, err := loader.Load(context.Background(), &s, loader.WithFiles(file),
		loader.WithEnvPrefix("APP"),
		loader.WithEnviron([]string{"APP_TLS_CERT=b.pem", "APP_TOKEN=x"}))
	require.NoError(t, err)
	assert.Equal(t, "b.pem", s.TLS.Cert)
	assert.Equal(t, 8080, s.Port)
	assert.Equal(t, "default", sourceOf(t, r, "host"))
	assert.Equal(t, "file "+file+":1", sourceOf(t, r, "port"))
	assert.Equal(t, "env APP_TLS_CERT", sourceOf(t, r, "tls.cert"))
	assert.Equal(t, "env APP_TOKEN", sourceOf(t, r, "token"))
	require.Len(t, r.Shadowed, 1)
	assert.Equal(t, "file "+file+":3", r.Shadowed[0].Source.String())
}
