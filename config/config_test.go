package config_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

// write makes a file in dir and returns its path.
func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func environ(kv ...string) loader.Option { return loader.WithEnviron(kv) }

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	creds := write(t, dir, "creds.yaml",
		"client_id: file-id\nclient_secret: file-secret\n")
	bearer := write(t, dir, "bearer.yaml", "bearer_token: file-token\n")
	idOnly := write(t, dir, "id.yaml", "client_id: file-id\n")
	base := write(t, dir, "base.yaml",
		"bearer_token: t\napi_root: https://base.example.com/v1\n")
	prod := write(t, dir, "prod.yaml", "api_root: https://prod.example.com/v1\n")
	secretFile := write(t, dir, "secret.txt", "file-secret\n")

	tests := []struct {
		name    string
		opts    []loader.Option
		bearer  string // want this bearer token, or
		id, sec string // these client credentials
		root    string
		sources map[string]string
		shadow  []string // keys shadowed
		errs    []string // rules of the problems, when invalid
	}{
		{name: "bearer from env",
			opts:   []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=env-token")},
			bearer: "env-token",
			sources: map[string]string{
				"bearer_token":    "env AIRBYTE_CLOUD_BEARER_TOKEN",
				"api_root":        "default",
				"config_api_root": "derived from api_root",
			}},
		{name: "credentials from file",
			opts: []loader.Option{environ(), loader.WithFiles(creds)},
			id:   "file-id", sec: "file-secret",
			sources: map[string]string{
				"client_id":     "file " + creds + ":1",
				"client_secret": "file " + creds + ":2",
			}},
		{name: "env bearer shadows file credentials",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=env-token"),
				loader.WithFiles(creds)},
			bearer: "env-token", shadow: []string{"client_id", "client_secret"}},
		{name: "file id and env secret file merge",
			opts: []loader.Option{loader.WithFiles(idOnly),
				environ("AIRBYTE_CLOUD_CLIENT_SECRET_FILE=" + secretFile)},
			id: "file-id", sec: "file-secret",
			sources: map[string]string{"client_secret": "env " +
				"AIRBYTE_CLOUD_CLIENT_SECRET_FILE (" + secretFile + ")"}},
		{name: "file bearer and env half credentials",
			opts: []loader.Option{loader.WithFiles(bearer),
				environ("AIRBYTE_CLOUD_CLIENT_ID=env-id")},
			errs: []string{loader.RuleTwoUnits}},
		{name: "empty variable is unset",
			opts: []loader.Option{loader.WithFiles(creds),
				environ("AIRBYTE_CLOUD_BEARER_TOKEN=")},
			id: "file-id", sec: "file-secret"},
		{name: "empty api url keeps the default",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_API_URL=",
				"AIRBYTE_CLOUD_BEARER_TOKEN=t")},
			bearer: "t", root: config.CloudAPIRoot},
		{name: "later file wins",
			opts:   []loader.Option{environ(), loader.WithFiles(base, prod)},
			bearer: "t", root: "https://prod.example.com/v1",
			sources: map[string]string{"api_root": "file " + prod + ":1"},
			shadow:  []string{"api_root"}},
		{name: "alias below the main name",
			opts: []loader.Option{environ("AIRBYTE_BEARER_TOKEN=alias",
				"AIRBYTE_CLOUD_BEARER_TOKEN=main")},
			bearer: "main"},
		{name: "alias alone",
			opts: []loader.Option{environ("AIRBYTE_CLIENT_ID=a",
				"AIRBYTE_CLIENT_SECRET=b", "AIRBYTE_API_ROOT=https://x.example.com/v1")},
			id: "a", sec: "b", root: "https://x.example.com/v1"},
		{name: "option beats env",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t",
				"AIRBYTE_CLOUD_API_URL=https://env.example.com/v1"),
				loader.WithValue("api_root", "https://opt.example.com/v1/")},
			bearer: "t", root: "https://opt.example.com/v1",
			sources: map[string]string{"api_root": "option"},
			shadow:  []string{"api_root"}},
		{name: "trailing slash dropped and config root derived",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t",
				"AIRBYTE_CLOUD_API_URL=http://localhost:8000/api/public/v1/")},
			bearer: "t", root: "http://localhost:8000/api/public/v1"},
		{name: "nothing set",
			opts: []loader.Option{environ()},
			errs: []string{loader.RuleNoUnit}},
		{name: "half credentials from env",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_CLIENT_ID=x")},
			errs: []string{loader.RuleHalfUnit}},
		{name: "secret with whitespace",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t ")},
			errs: []string{"secret_trimmed"}},
		{name: "insecure http",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t",
				"AIRBYTE_CLOUD_API_URL=http://airbyte.example.com/v1")},
			errs: []string{"https"}},
		{name: "insecure http allowed",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t",
				"AIRBYTE_CLOUD_API_URL=http://airbyte.example.com/v1",
				"AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP=true")},
			bearer: "t", root: "http://airbyte.example.com/v1"},
		{name: "missing named file",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t"),
				loader.WithFiles(filepath.Join(dir, "nope.yaml"))},
			errs: []string{loader.RuleFile}},
		{name: "bad timeout from env",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t",
				"AIRBYTE_CLOUD_TIMEOUT=soon")},
			errs: []string{loader.RuleType}},
		{name: "value and file form both set",
			opts: []loader.Option{environ("AIRBYTE_CLOUD_BEARER_TOKEN=t",
				"AIRBYTE_CLOUD_BEARER_TOKEN_FILE="+secretFile)},
			errs: []string{loader.RuleBothForms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r, err := config.LoadReport(context.Background(), tt.opts...)
			if len(tt.errs) > 0 {
				var ve *config.ValidationError
				require.ErrorAs(t, err, &ve)
				var rules []string
				for _, p := range ve.Problems {
					rules = append(rules, p.Rule)
				}
				assert.Equal(t, tt.errs, rules, "%v", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.bearer, c.BearerToken.Reveal())
			assert.Equal(t, tt.id, c.ClientID.Reveal())
			assert.Equal(t, tt.sec, c.ClientSecret.Reveal())
			if tt.root != "" {
				assert.Equal(t, tt.root, c.APIRoot)
			}
			for key, want := range tt.sources {
				src, ok := r.Source(key)
				require.True(t, ok, "no source for %s", key)
				assert.Equal(t, want, src.String(), key)
			}
			var shadowed []string
			for _, s := range r.Shadowed {
				shadowed = append(shadowed, s.Key)
			}
			assert.Equal(t, tt.shadow, shadowed)
		})
	}
}

func TestLoadDiscovery(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	xdg := filepath.Join(dir, "xdg")
	require.NoError(t, os.MkdirAll(filepath.Join(xdg, "cloudcfg"), 0o700))
	write(t, filepath.Join(xdg, "cloudcfg"), "config.yaml",
		"bearer_token: from-xdg\n")
	listed := write(t, dir, "listed.yaml", "bearer_token: from-list\n")

	load := func(kv ...string) (*config.CloudClientConfig, error) {
		return config.Load(context.Background(), environ(kv...))
	}

	c, err := load("XDG_CONFIG_HOME=" + xdg)
	require.NoError(t, err)
	assert.Equal(t, "from-xdg", c.BearerToken.Reveal())

	write(t, dir, "cloudcfg.yaml", "bearer_token: from-cwd\n")
	c, err = load("XDG_CONFIG_HOME=" + xdg)
	require.NoError(t, err)
	assert.Equal(t, "from-cwd", c.BearerToken.Reveal())

	c, err = load("XDG_CONFIG_HOME="+xdg, "CLOUDCFG_CONFIG="+listed)
	require.NoError(t, err)
	assert.Equal(t, "from-list", c.BearerToken.Reveal())

	_, err = load("CLOUDCFG_CONFIG=" + filepath.Join(dir, "gone.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gone.yaml")
}

// App is a service's own configuration with the Airbyte client embedded.
type App struct {
	Name    string `yaml:"name" validate:"required"`
	Port    int    `yaml:"port" default:"8080" validate:"gt=0,lt=65536"`
	Debug   bool   `yaml:"debug"`
	Server  Server
	Airbyte config.CloudClientConfig `yaml:"airbyte"`
}

// Server is a nested section of App.
type Server struct {
	Hosts   []string      `yaml:"hosts"`
	Timeout time.Duration `yaml:"timeout" default:"5s"`
	Token   secret.String `yaml:"token"`
}

func TestAppEmbedsConfigFromEnvOnly(t *testing.T) {
	dir := t.TempDir()
	tokenFile := write(t, dir, "server-token", "srv-token\r\n")
	var app App
	r, err := loader.Load(context.Background(), &app,
		loader.WithEnvPrefix("APP"),
		environ("APP_NAME=svc", "APP_PORT=9090", "APP_DEBUG=true",
			"APP_SERVER_HOSTS=a.example.com, b.example.com",
			"APP_SERVER_TIMEOUT=2s", "APP_SERVER_TOKEN_FILE="+tokenFile,
			"AIRBYTE_CLOUD_CLIENT_ID=id", "AIRBYTE_CLOUD_CLIENT_SECRET=sec",
			"AIRBYTE_CLOUD_API_URL=https://abc.example.com/api/public/v1",
			"AIRBYTE_CLOUD_TIMEOUT=10s",
			"AIRBYTE_CLOUD_CA_FILE=../testdata/ca.pem",
			"AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP=false"))
	require.NoError(t, err)

	assert.Equal(t, "svc", app.Name)
	assert.Equal(t, 9090, app.Port)
	assert.True(t, app.Debug)
	assert.Equal(t, []string{"a.example.com", "b.example.com"}, app.Server.Hosts)
	assert.Equal(t, 2*time.Second, app.Server.Timeout)
	assert.Equal(t, "srv-token", app.Server.Token.Reveal())
	a := app.Airbyte
	assert.Equal(t, "id", a.ClientID.Reveal())
	assert.Equal(t, "sec", a.ClientSecret.Reveal())
	assert.Equal(t, "https://abc.example.com/api/public/v1", a.APIRoot)
	assert.Equal(t, "https://abc.example.com/api/v1", a.ConfigAPIRoot)
	assert.Equal(t, 10*time.Second, a.Timeout)
	assert.Equal(t, "../testdata/ca.pem", a.CAFile)
	assert.False(t, a.AllowInsecureHTTP)

	src, ok := r.Source("airbyte.config_api_root")
	require.True(t, ok)
	assert.Equal(t, "derived from airbyte.api_root", src.String())
	src, ok = r.Source("airbyte.allow_insecure_http")
	require.True(t, ok, "an explicit false is a value")
	assert.Equal(t, "env AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP", src.String())
}

func TestAppFileAndRules(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "app.yaml", `name: svc
server:
  hosts: [a, b]
airbyte:
  bearer_token: tok
  client_secrte: x
`)
	var app App
	_, err := loader.Load(context.Background(), &app, environ(),
		loader.WithFiles(f))
	var ve *loader.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 1, "%v", err)
	p := ve.Problems[0]
	assert.Equal(t, "airbyte.client_secrte", p.Key)
	assert.Equal(t, 6, p.Source.Line)
	assert.Equal(t, `did you mean "client_secret"?`, p.Fix)

	app = App{}
	_, err = loader.Load(context.Background(), &app, environ(
		"AIRBYTE_CLOUD_BEARER_TOKEN=t"), loader.WithEnvPrefix("APP"))
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 1, "%v", err)
	assert.Equal(t, "name", ve.Problems[0].Key)
	assert.Equal(t, "APP_NAME", ve.Problems[0].Env)
	assert.Contains(t, ve.Problems[0].Fix, "APP_NAME")
}

func TestNew(t *testing.T) {
	c, err := config.New(config.WithBearerToken("t"))
	require.NoError(t, err)
	assert.True(t, c.UsesBearerToken())
	assert.Equal(t, config.CloudAPIRoot, c.APIRoot)
	assert.Equal(t, 30*time.Second, c.Timeout)

	c, err = config.New(config.WithClientCredentials("i", "s"),
		config.WithAPIRoot("http://127.0.0.1:8000/api/public/v1/"))
	require.NoError(t, err)
	assert.True(t, c.UsesClientCredentials())
	assert.Equal(t, "http://127.0.0.1:8000/api/public/v1", c.APIRoot)
	assert.Equal(t, "http://127.0.0.1:8000/api/v1", c.ConfigAPIRoot)

	_, err = config.New(config.WithClientCredentials("i", "s"),
		config.WithBearerToken("t"))
	assert.ErrorContains(t, err, "more than one auth method")

	_, err = config.New()
	assert.ErrorIs(t, err, config.ErrSecretNotFound)

	_, err = config.New(config.WithClientCredentials("i", ""))
	assert.ErrorContains(t, err, "client_secret")
	assert.NotErrorIs(t, err, config.ErrSecretNotFound)

	_, err = config.New(config.WithBearerToken("t"),
		config.WithTimeout(-time.Second))
	assert.ErrorContains(t, err, "timeout")
}

func TestNewIgnoresEnvironment(t *testing.T) {
	t.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN", "env")
	t.Setenv("AIRBYTE_CLOUD_API_URL", "https://env.example.com/v1")
	c, err := config.New(config.WithClientCredentials("i", "s"))
	require.NoError(t, err)
	assert.False(t, c.UsesBearerToken())
	assert.Equal(t, config.CloudAPIRoot, c.APIRoot)
}

func TestFromEnv(t *testing.T) {
	clear := func(t *testing.T) {
		for _, k := range []string{"AIRBYTE_CLOUD_CLIENT_ID",
			"AIRBYTE_CLOUD_CLIENT_SECRET", "AIRBYTE_CLOUD_BEARER_TOKEN",
			"AIRBYTE_CLOUD_API_URL", "AIRBYTE_CLIENT_ID",
			"AIRBYTE_CLIENT_SECRET", "AIRBYTE_BEARER_TOKEN",
			"AIRBYTE_API_ROOT", "AIRBYTE_CLOUD_CLIENT_ID_FILE",
			"AIRBYTE_CLOUD_CLIENT_SECRET_FILE",
			"AIRBYTE_CLOUD_BEARER_TOKEN_FILE"} {
			t.Setenv(k, "")
		}
	}
	ctx := context.Background()

	t.Run("bearer first, credentials not consulted", func(t *testing.T) {
		clear(t)
		t.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN", "tok")
		t.Setenv("AIRBYTE_CLOUD_CLIENT_ID", "half")
		c, err := config.FromEnv(ctx)
		require.NoError(t, err)
		assert.True(t, c.UsesBearerToken())
		assert.False(t, c.ClientID.IsSet())
	})
	t.Run("client credentials", func(t *testing.T) {
		clear(t)
		t.Setenv("AIRBYTE_CLOUD_CLIENT_ID", "id")
		t.Setenv("AIRBYTE_CLOUD_CLIENT_SECRET", "sec")
		c, err := config.FromEnv(ctx)
		require.NoError(t, err)
		assert.True(t, c.UsesClientCredentials())
	})
	t.Run("missing secret names it", func(t *testing.T) {
		clear(t)
		t.Setenv("AIRBYTE_CLOUD_CLIENT_ID", "id")
		_, err := config.FromEnv(ctx)
		require.ErrorIs(t, err, config.ErrSecretNotFound)
		var nf *config.SecretNotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, "AIRBYTE_CLOUD_CLIENT_SECRET", nf.Name)
		assert.Contains(t, nf.Searched, "AIRBYTE_CLOUD_CLIENT_SECRET_FILE")
	})
	t.Run("nothing names the client id first", func(t *testing.T) {
		clear(t)
		_, err := config.FromEnv(ctx)
		var nf *config.SecretNotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, "AIRBYTE_CLOUD_CLIENT_ID", nf.Name)
	})
	t.Run("explicit api root beats the variable", func(t *testing.T) {
		clear(t)
		t.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN", "tok")
		t.Setenv("AIRBYTE_CLOUD_API_URL", "https://env.example.com/v1")
		c, err := config.FromEnv(ctx,
			config.WithAPIRoot("https://explicit.example.com/v1"))
		require.NoError(t, err)
		assert.Equal(t, "https://explicit.example.com/v1", c.APIRoot)
	})
	t.Run("variable api root, empty is unset", func(t *testing.T) {
		clear(t)
		t.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN", "tok")
		c, err := config.FromEnv(ctx)
		require.NoError(t, err)
		assert.Equal(t, config.CloudAPIRoot, c.APIRoot)
	})
	t.Run("same rules as Load", func(t *testing.T) {
		clear(t)
		t.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN", "canary-9f2\t")
		t.Setenv("AIRBYTE_CLOUD_API_URL", "http://example.com/v1")
		_, err := config.FromEnv(ctx)
		var ve *config.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Len(t, ve.Problems, 2, "%v", err)
		assert.NotContains(t, err.Error(), "canary-9f2")
	})
	t.Run("secret file form", func(t *testing.T) {
		clear(t)
		p := write(t, t.TempDir(), "tok", "from-file\n")
		t.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN_FILE", p)
		c, err := config.FromEnv(ctx)
		require.NoError(t, err)
		assert.Equal(t, "from-file", c.BearerToken.Reveal())
	})
}

func TestDeriveConfigAPIRoot(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.airbyte.com/v1", "https://cloud.airbyte.com/api/v1"},
		{"https://api.airbyte.com/v1/", "https://cloud.airbyte.com/api/v1"},
		{"HTTPS://API.Airbyte.com/v1", "https://cloud.airbyte.com/api/v1"},
		{"http://localhost:8000/api/public/v1", "http://localhost:8000/api/v1"},
		{"https://a.example.com/x/api/public/v1/", "https://a.example.com/x/api/v1"},
		{"https://a.example.com/v1", ""},
		{"not a url/api/public/v1", ""},
	}
	for _, tt := range tests {
		if got := config.DeriveConfigAPIRoot(tt.in); got != tt.want {
			t.Errorf("DeriveConfigAPIRoot(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorsMatch(t *testing.T) {
	err := error(&config.SecretNotFoundError{Name: "X", Searched: []string{"X"}})
	assert.True(t, errors.Is(err, config.ErrSecretNotFound))
	assert.Contains(t, err.Error(), "X")
}

func TestSecretMustBeHeaderText(t *testing.T) {
	tests := []struct{ name, value string }{
		{"inner newline", "tok\nen"},
		{"nul", "tok\x00en"},
		{"byte order mark", "\ufefftoken"},
		{"invalid utf-8", "tok\xffen"},
		{"escape", "tok\x1b[2Jen"},
		{"line separator", "tok\u2028en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.New(config.WithBearerToken(tt.value))
			var ve *config.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Problems, 1, "%v", err)
			assert.Equal(t, "secret_text", ve.Problems[0].Rule)
			assert.Equal(t, "bearer_token", ve.Problems[0].Key)
		})
	}
	_, err := config.New(config.WithBearerToken("pässwörd-ok"))
	assert.NoError(t, err, "non-ASCII text is fine")
}

func TestAPIRootRules(t *testing.T) {
	tests := []struct{ root, want string }{
		{"https://api.example.com/v1 ", "whitespace"},
		{"https://api.example.com/my v1", "whitespace"},
		{"https://api.example.com:99999/v1", "port"},
		{"https://api.example.com/v1//", "empty path segment"},
		{"https://api.example.com//v1", "empty path segment"},
		{"https://u:p@api.example.com/v1", "user info"},
		{"https://api.example.com/v1?x=1", "query"},
		{"https://api.example.com/v1#x", "fragment"},
		{"ftp://api.example.com/v1", "https://"},
		{"https:///v1", "no host"},
		{"https://api.example.com:8443/api/public/v1/", ""},
		{"HTTPS://API.AIRBYTE.COM/v1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.root, func(t *testing.T) {
			_, err := config.New(config.WithBearerToken("t"),
				config.WithAPIRoot(tt.root))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
			assert.NotContains(t, err.Error(), ":p@")
		})
	}
}

func TestCAFileChecked(t *testing.T) {
	dir := t.TempDir()
	empty := write(t, dir, "empty.pem", "")
	tests := []struct{ path, want string }{
		{filepath.Join("..", "testdata", "ca.pem"), ""},
		{filepath.Join(dir, "missing.pem"), "no such file"},
		{dir, "not a regular file"},
		{empty, "is empty"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			_, err := config.New(config.WithBearerToken("t"),
				config.WithCAFile(tt.path))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, "ca_file")
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestLoadWarnings(t *testing.T) {
	dir := t.TempDir()
	dotenv := write(t, dir, "app.env",
		"AIRBYTE_CLOUD_BEARER_TOKEN=t\nAIRBYTE_CLOUD_CA_FIEL=/x\n")
	_, r, err := config.LoadReport(context.Background(),
		loader.WithDotenv(dotenv),
		environ("AIRBYTE_BEARER_TOKEN_FILE=/run/secrets/token",
			"AIRBYTE_CLOUD_CLIENTID=x", "AIRBYTE_CLOUD_WORKSPACE_ID=w",
			"AIRBYTE_CLOUD_EMPTY="))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"AIRBYTE_BEARER_TOKEN_FILE is not read: the legacy names have no " +
			"_FILE form; use AIRBYTE_CLOUD_BEARER_TOKEN_FILE",
		"AIRBYTE_CLOUD_CA_FIEL (in " + dotenv + ":2) is set but not read; " +
			"did you mean AIRBYTE_CLOUD_CA_FILE?",
		"AIRBYTE_CLOUD_CLIENTID is set but not read; did you mean " +
			"AIRBYTE_CLOUD_CLIENT_ID?",
	}, r.Warnings)
}

func TestZeroTimeoutRefused(t *testing.T) {
	_, err := config.Load(context.Background(), noEnv(),
		loader.WithValue("bearer_token", "t"), loader.WithValue("timeout", "0s"))
	assert.ErrorContains(t, err, "timeout: must be greater than 0")

	c := &config.CloudClientConfig{BearerToken: secret.New("t"),
		APIRoot: config.CloudAPIRoot}
	assert.ErrorContains(t, c.Validate(), "timeout",
		"a literal must say its timeout, or go through auth's default")
}

func TestURLUserInfoHiddenInReport(t *testing.T) {
	for _, root := range []string{
		"https://u:pw-canary@h.example.com/v1",
		"//u:pw-canary@h.example.com/v1",
		"u:pw-canary@h.example.com/v1",
		"https:u:pw-canary@h.example.com",
	} {
		t.Run(root, func(t *testing.T) {
			_, r, err := config.LoadReport(context.Background(),
				environ("AIRBYTE_CLOUD_BEARER_TOKEN=t"),
				loader.WithValue("api_root", root))
			require.Error(t, err)
			e, ok := r.Entry("api_root")
			require.True(t, ok)
			assert.NotContains(t, e.Value, "pw-canary")
			assert.Contains(t, e.Value, "@h.example.com")
			assert.NotContains(t, err.Error(), "pw-canary")
		})
	}
}

func TestValidateNil(t *testing.T) {
	var c *config.CloudClientConfig
	assert.EqualError(t, c.Validate(), "config: nil configuration")
}
