package loader_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// TestMarkdown checks that the reference states, for each key, what the
// struct tags say.
func TestMarkdown(t *testing.T) {
	tests := []struct {
		name string
		dst  any
		opts []loader.Option
		want []string
	}{
		{
			name: "client config",
			dst:  &config.CloudClientConfig{},
			want: []string{
				"| [`client_id`](#client_id) | `AIRBYTE_CLOUD_CLIENT_ID` | - | yes |",
				"\n### bearer_token\n\nA ready-made bearer token",
				"aliases, below it: `AIRBYTE_BEARER_TOKEN`",
				"`AIRBYTE_CLOUD_CLIENT_SECRET_FILE` names a file",
				"flag: `--client-secret-file FILE`",
				"flag: `--api-root`",
				"default: `30s`",
				"rule: greater than 0",
				"rule: no whitespace at its start or end",
				"rule: part of the bearer token auth method",
				"rule: an absolute `http` or `https` URL",
			},
		},
		{
			name: "generic struct",
			dst:  &schemaApp{},
			opts: []loader.Option{loader.WithEnvPrefix("APP")},
			want: []string{
				"| [`db.dsn`](#dbdsn) | `APP_DB_DSN` | - | yes |",
				"\n### workers\n",
				"rule: at least 1\n- rule: at most 64",
				"rule: one of `debug`, `info`",
				"flag: `--db-dsn-file FILE`",
				"variable: `APP_WAIT`",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, loader.Markdown(&b, tt.dst, tt.opts...))
			for _, s := range tt.want {
				assert.Contains(t, b.String(), s)
			}
			assert.NotContains(t, b.String(), "omitempty")
		})
	}
	assert.Error(t, loader.Markdown(&bytes.Buffer{}, 42))
}
