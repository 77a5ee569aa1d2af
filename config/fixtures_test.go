package config_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// noEnv keeps the process environment out of a load.
func noEnv() loader.Option {
	return loader.WithLookupEnv(func(string) (string, bool) { return "", false })
}

// TestGoodFixtures checks the values that the good fixtures resolve to;
// the loader's fixture table checks that each loads and each bad one
// gives its problems.
func TestGoodFixtures(t *testing.T) {
	creds := func(t *testing.T, c *config.CloudClientConfig, format string) {
		assert.True(t, c.UsesClientCredentials())
		assert.Equal(t, "id-SeKrEt-"+format, c.ClientID.Reveal())
		assert.Equal(t, "secret-SeKrEt-"+format, c.ClientSecret.Reveal())
		assert.Equal(t, config.CloudAPIRoot, c.APIRoot)
		assert.Equal(t, config.CloudConfigAPIRoot, c.ConfigAPIRoot)
	}
	tests := []struct {
		file string
		want func(t *testing.T, c *config.CloudClientConfig)
	}{
		{"bearer.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			assert.True(t, c.UsesBearerToken())
			assert.False(t, c.UsesClientCredentials())
			assert.Equal(t, "tok-SeKrEt-bearer", c.BearerToken.Reveal())
			assert.Equal(t, "http://localhost:8000/api/public/v1", c.APIRoot)
			assert.Equal(t, "http://localhost:8000/api/v1", c.ConfigAPIRoot)
		}},
		{"creds.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			creds(t, c, "creds")
			assert.Equal(t, 45*time.Second, c.Timeout)
		}},
		{"creds.good.json", func(t *testing.T, c *config.CloudClientConfig) {
			creds(t, c, "json")
			assert.Equal(t, time.Minute, c.Timeout)
		}},
		{"creds.good.toml", func(t *testing.T, c *config.CloudClientConfig) {
			creds(t, c, "toml")
			assert.Equal(t, 30*time.Second, c.Timeout)
		}},
		{"empty-means-unset.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			assert.True(t, c.UsesBearerToken())
			assert.False(t, c.ClientID.IsSet())
			assert.False(t, c.ClientSecret.IsSet())
			assert.Equal(t, config.CloudAPIRoot, c.APIRoot)
			assert.Empty(t, c.CAFile)
		}},
		{"insecure.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			assert.True(t, c.AllowInsecureHTTP)
			assert.Equal(t, "http://airbyte.internal:8000/api/public/v1",
				c.APIRoot)
			assert.Equal(t, "http://airbyte.internal:8000/api/v1",
				c.ConfigAPIRoot)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("..", "testdata", tt.file)
			c, err := config.Load(context.Background(), noEnv(),
				loader.WithFiles(path))
			require.NoError(t, err, "Load(%q)", tt.file)
			tt.want(t, c)
		})
	}
}
