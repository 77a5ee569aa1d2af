package config_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
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

func loadFixture(t *testing.T, name string) (*config.CloudClientConfig, *loader.Report, error) {
	t.Helper()
	path := filepath.Join("..", "testdata", name)
	return config.LoadReport(context.Background(), noEnv(),
		loader.WithFiles(path))
}

func TestGoodFixtures(t *testing.T) {
	tests := []struct {
		file string
		want func(t *testing.T, c *config.CloudClientConfig)
	}{
		{"bearer.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			assert.True(t, c.UsesBearerToken())
			assert.False(t, c.UsesClientCredentials())
			assert.Equal(t, "tok-canary-good-1", c.BearerToken.Reveal())
			assert.Equal(t,
				"https://airbyte.internal.example.com/api/v1", c.ConfigAPIRoot)
		}},
		{"creds.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			assert.True(t, c.UsesClientCredentials())
			assert.Equal(t, "id-canary-good-2", c.ClientID.Reveal())
			assert.Equal(t, "sec-canary-good-2", c.ClientSecret.Reveal())
			assert.Equal(t, 90*time.Second, c.Timeout)
			assert.Equal(t, config.CloudAPIRoot, c.APIRoot)
			assert.Equal(t, config.CloudConfigAPIRoot, c.ConfigAPIRoot)
		}},
		{"selfmanaged.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			assert.Equal(t, "http://localhost:8000/api/public/v1", c.APIRoot)
			assert.Equal(t, "http://localhost:8000/api/v1", c.ConfigAPIRoot)
			assert.Equal(t, "/etc/ssl/internal-ca.pem", c.CAFile)
		}},
		{"insecure-allowed.good.yaml", func(t *testing.T, c *config.CloudClientConfig) {
			assert.True(t, c.AllowInsecureHTTP)
			assert.Equal(t, "http://airbyte.lan.example.com/api/public/v1",
				c.APIRoot)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, _, err := loadFixture(t, tt.file)
			require.NoError(t, err, "Load(%q)", tt.file)
			tt.want(t, c)
		})
	}
}

// wantProblem is one problem a bad fixture must produce: its rule, its
// key, the line of its source (0: no file line) and words its text holds.
type wantProblem struct {
	rule  string
	key   string
	line  int
	words []string
}

func TestBadFixtures(t *testing.T) {
	tests := []struct {
		file     string
		notFound bool
		want     []wantProblem
	}{
		{file: "both.bad.yaml", want: []wantProblem{{
			rule: loader.RuleUnitMix, line: 1,
			words: []string{"client_id", "client_secret", "bearer_token",
				"both.bad.yaml:3"}}}},
		{file: "half.bad.yaml", want: []wantProblem{{
			rule: loader.RuleHalfUnit, key: "client_secret", line: 1,
			words: []string{"AIRBYTE_CLOUD_CLIENT_SECRET", "client_id",
				"half.bad.yaml:1"}}}},
		{file: "nothing.bad.yaml", notFound: true, want: []wantProblem{{
			rule: loader.RuleNoUnit,
			words: []string{"AIRBYTE_CLOUD_BEARER_TOKEN",
				"AIRBYTE_CLOUD_CLIENT_ID", "AIRBYTE_CLOUD_CLIENT_SECRET"}}}},
		{file: "syntax.bad.yaml", want: []wantProblem{{
			rule: loader.RuleSyntax, line: 2}}},
		{file: "wrongtype.bad.yaml", want: []wantProblem{
			{rule: loader.RuleType, key: "bearer_token", line: 1,
				words: []string{"list"}},
			{rule: loader.RuleType, key: "allow_insecure_http", line: 3,
				words: []string{"true or false"}},
			{rule: loader.RuleType, key: "timeout", line: 4,
				words: []string{"duration"}},
		}},
		{file: "typo.bad.yaml", want: []wantProblem{{
			rule: loader.RuleUnknown, key: "api_rot", line: 2,
			words: []string{`did you mean "api_root"?`}}}},
		{file: "insecure.bad.yaml", want: []wantProblem{{
			rule: "https", key: "api_root", line: 2,
			words: []string{"https", "allow_insecure_http"}}}},
		{file: "whitespace.bad.yaml", want: []wantProblem{{
			rule: "secret_trimmed", key: "bearer_token", line: 1,
			words: []string{"whitespace"}}}},
		{file: "url.bad.yaml", want: []wantProblem{
			{rule: "api_url", key: "api_root", line: 2,
				words: []string{"user info"}},
			{rule: "api_url", key: "config_api_root", line: 3,
				words: []string{"https://"}},
		}},
		{file: "duplicate.bad.yaml", want: []wantProblem{{
			rule: loader.RuleDuplicate, key: "bearer_token", line: 2,
			words: []string{"line 1"}}}},
		{file: "empty-other.bad.yaml", want: []wantProblem{{
			rule: loader.RuleType, key: "allow_insecure_http", line: 2,
			words: []string{"empty string"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, _, err := loadFixture(t, tt.file)
			require.Error(t, err, "Load(%q)", tt.file)
			var ve *config.ValidationError
			require.True(t, errors.As(err, &ve), "error %T", err)
			require.Len(t, ve.Problems, len(tt.want), "problems: %v", err)
			for i, w := range tt.want {
				p := ve.Problems[i]
				assert.Equal(t, w.rule, p.Rule, "problem %d: %s", i, p)
				assert.Equal(t, w.key, p.Key, "problem %d: %s", i, p)
				if w.line > 0 {
					require.NotNil(t, p.Source, "problem %d", i)
					assert.Equal(t, w.line, p.Source.Line, "problem %d: %s", i, p)
					assert.Contains(t, p.String(), tt.file)
				}
				for _, word := range w.words {
					assert.Contains(t, p.String(), word)
				}
			}
			assert.Equal(t, tt.notFound,
				errors.Is(err, config.ErrSecretNotFound))
			assert.NotContains(t, err.Error(), "canary",
				"a secret value leaked into the error")
		})
	}
}

func TestEveryFixtureHasACase(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*.*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := filepath.Base(f)
		if !strings.HasSuffix(name, ".good.yaml") &&
			!strings.HasSuffix(name, ".bad.yaml") {
			continue
		}
		_, _, err := loadFixture(t, name)
		if strings.HasSuffix(name, ".good.yaml") {
			assert.NoError(t, err, name)
		} else {
			assert.Error(t, err, name)
		}
	}
}
