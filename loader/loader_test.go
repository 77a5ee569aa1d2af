package loader_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

type service struct {
	Name    string        `yaml:"name" validate:"required"`
	Port    uint16        `yaml:"port" default:"8080"`
	Ratio   float64       `yaml:"ratio" default:"0.5"`
	Verbose bool          `yaml:"verbose"`
	Wait    time.Duration `yaml:"wait" default:"1s"`
	Tags    []string      `yaml:"tags"`
	Token   secret.String `yaml:"token" env:"SVC_TOKEN"`
	DB      struct {
		Host string `yaml:"host" default:"localhost"`
		User string `yaml:"user"`
	} `yaml:"db"`
}

func file(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "svc.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func env(kv ...string) loader.Option { return loader.WithEnviron(kv) }

func TestLoadKinds(t *testing.T) {
	p := file(t, `name: api
port: 9000
ratio: 0.25
verbose: true
wait: 2m
tags: [a, "b"]
token: 0123
db:
  user: app
`)
	var s service
	r, err := loader.Load(context.Background(), &s, env(),
		loader.WithFiles(p))
	require.NoError(t, err)
	assert.Equal(t, "api", s.Name)
	assert.Equal(t, uint16(9000), s.Port)
	assert.Equal(t, 0.25, s.Ratio)
	assert.True(t, s.Verbose)
	assert.Equal(t, 2*time.Minute, s.Wait)
	assert.Equal(t, []string{"a", "b"}, s.Tags)
	assert.Equal(t, "0123", s.Token.Reveal(), "a secret keeps its text")
	assert.Equal(t, "localhost", s.DB.Host)
	assert.Equal(t, "app", s.DB.User)

	e, ok := r.Entry("token")
	require.True(t, ok)
	assert.Equal(t, secret.Redacted, e.Value)
	assert.Equal(t, "file "+p+":7", e.Source.String())
	e, _ = r.Entry("db.host")
	assert.Equal(t, "default", e.Source.String())
}

func TestLoadEnvPrefixAndTypes(t *testing.T) {
	var s service
	_, err := loader.Load(context.Background(), &s, loader.WithEnvPrefix("SVC"),
		env("SVC_NAME=x", "SVC_PORT=70000", "SVC_RATIO=half",
			"SVC_VERBOSE=maybe", "SVC_WAIT=5", "SVC_DB_USER=u"))
	var ve *loader.ValidationError
	require.ErrorAs(t, err, &ve)
	keys := map[string]string{}
	for _, p := range ve.Problems {
		keys[p.Key] = p.Source.String()
		assert.Equal(t, loader.RuleType, p.Rule)
	}
	assert.Equal(t, map[string]string{
		"port": "env SVC_PORT", "ratio": "env SVC_RATIO",
		"verbose": "env SVC_VERBOSE", "wait": "env SVC_WAIT",
	}, keys)
	assert.Equal(t, "u", s.DB.User)
}

func TestLoadFlags(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var s service
	require.NoError(t, loader.BindFlags(fs, &s))
	for _, name := range []string{"name", "port", "db-host", "token-file",
		"verbose"} {
		require.NotNil(t, fs.Lookup(name), name)
	}
	assert.Nil(t, fs.Lookup("token"), "a secret has no value flag")

	require.NoError(t, fs.Parse([]string{"--name=cli", "--verbose",
		"--token-file", "-", "--db-host", "db.example.com"}))
	r, err := loader.Load(context.Background(), &s, env("SVC_TOKEN=env"),
		loader.WithFlags(fs), loader.WithStdin(strings.NewReader("piped\n")))
	require.NoError(t, err)
	assert.Equal(t, "cli", s.Name)
	assert.True(t, s.Verbose)
	assert.Equal(t, "piped", s.Token.Reveal())
	assert.Equal(t, "db.example.com", s.DB.Host)
	src, _ := r.Source("token")
	assert.Equal(t, "flag --token-file (-)", src.String())
	require.Len(t, r.Shadowed, 1)
	assert.Equal(t, "env SVC_TOKEN", r.Shadowed[0].Source.String())

	fs = pflag.NewFlagSet("x", pflag.ContinueOnError)
	require.NoError(t, loader.BindFlags(fs, &s))
	require.NoError(t, fs.Parse([]string{"--name=a", "--port=-1"}))
	_, err = loader.Load(context.Background(), &s, env(), loader.WithFlags(fs))
	require.ErrorContains(t, err, "flag --port")
}

func TestLoadOptions(t *testing.T) {
	var s service
	_, err := loader.Load(context.Background(), &s, env(),
		loader.WithValue("name", "opt"), loader.WithValue("port", 81),
		loader.WithValue("wait", "3s"), loader.WithValue("db.user", "root"))
	require.NoError(t, err)
	assert.Equal(t, "opt", s.Name)
	assert.Equal(t, uint16(81), s.Port)
	assert.Equal(t, 3*time.Second, s.Wait)
	assert.Equal(t, "root", s.DB.User)

	_, err = loader.Load(context.Background(), &s, env(),
		loader.WithValue("name", "x"), loader.WithValue("nmae", "y"),
		loader.WithValue("verbose", 3))
	var ve *loader.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 2, "%v", err)
	assert.Equal(t, loader.RuleUnknown, ve.Problems[0].Rule)
	assert.Equal(t, loader.RuleType, ve.Problems[1].Rule)
}

func TestLoadRejects(t *testing.T) {
	ctx := context.Background()
	_, err := loader.Load(ctx, service{})
	assert.ErrorContains(t, err, "pointer to a struct")

	type bad struct {
		M map[string]int `yaml:"m"`
	}
	_, err = loader.Load(ctx, &bad{})
	assert.ErrorContains(t, err, "cannot decode")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = loader.Load(cancelled, &service{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLoadTopLevelNotMapping(t *testing.T) {
	var s service
	_, err := loader.Load(context.Background(), &s, env(),
		loader.WithFiles(file(t, "- a\n- b\n")))
	assert.ErrorContains(t, err, "want a mapping")
}

func TestLoadEmptyFile(t *testing.T) {
	var s service
	_, err := loader.Load(context.Background(), &s, env("SVC_NAME=x"),
		loader.WithEnvPrefix("SVC"), loader.WithFiles(file(t, "# nothing\n")))
	require.NoError(t, err)
}

func TestLoadJSONAndTOML(t *testing.T) {
	dir := t.TempDir()
	j := filepath.Join(dir, "c.json")
	require.NoError(t, os.WriteFile(j,
		[]byte(`{"name": "j", "port": 1, "db": {"user": "ju"}}`), 0o600))
	tm := filepath.Join(dir, "c.toml")
	require.NoError(t, os.WriteFile(tm,
		[]byte("name = \"t\"\n[db]\nhost = \"th\"\n"), 0o600))
	var s service
	r, err := loader.Load(context.Background(), &s, env(),
		loader.WithFiles(j, tm))
	require.NoError(t, err)
	assert.Equal(t, "t", s.Name)
	assert.Equal(t, uint16(1), s.Port)
	assert.Equal(t, "ju", s.DB.User)
	assert.Equal(t, "th", s.DB.Host)
	src, _ := r.Source("port")
	assert.Equal(t, "file "+j+":1", src.String())
}

func TestDescribe(t *testing.T) {
	keys, err := loader.Describe(&service{}, loader.WithEnvPrefix("SVC"))
	require.NoError(t, err)
	byKey := map[string]loader.KeyInfo{}
	for _, k := range keys {
		byKey[k.Key] = k
	}
	assert.Equal(t, []string{"SVC_DB_HOST"}, byKey["db.host"].Env)
	assert.Equal(t, "SVC_TOKEN_FILE", byKey["token"].FileEnv)
	assert.True(t, byKey["token"].Secret)
	assert.Equal(t, "--token-file", byKey["token"].Flag)
	assert.Equal(t, "duration", byKey["wait"].Type)
	assert.Equal(t, "1s", byKey["wait"].Default)
}

func TestDistanceSuggestions(t *testing.T) {
	tests := []struct{ typo, want string }{
		{"nmae", `did you mean "name"?`},
		{"verbos", `did you mean "verbose"?`},
		{"Port", ""}, // case-insensitive: a match, not a typo
		{"completely_else", "remove it"},
	}
	for _, tt := range tests {
		t.Run(tt.typo, func(t *testing.T) {
			var s service
			_, err := loader.Load(context.Background(), &s, env(),
				loader.WithFiles(file(t, "name: x\n"+tt.typo+": 1\n")))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
			assert.ErrorContains(t, err, "svc.yaml:2")
		})
	}
}

func TestSecretDefaultRefused(t *testing.T) {
	type withDefault struct {
		Token secret.String `yaml:"token" default:"s3cr3t"`
	}
	_, err := loader.Load(context.Background(), &withDefault{}, env())
	require.ErrorContains(t, err, "secret with a default tag")
	assert.NotContains(t, err.Error(), "s3cr3t")
}

func TestPlaceholderRefusedAsOption(t *testing.T) {
	var s service
	_, err := loader.Load(context.Background(), &s, env(),
		loader.WithValue("name", "x"),
		loader.WithValue("token", secret.New(secret.Redacted)))
	require.ErrorIs(t, err, secret.ErrPlaceholder)
}

func TestURLUserInfoNotShown(t *testing.T) {
	type svc struct {
		URL string `yaml:"url"`
	}
	var s svc
	r, err := loader.Load(context.Background(), &s,
		loader.WithValue("url", "https://svc:hunter2@db.example.com/x"))
	require.NoError(t, err)
	e, _ := r.Entry("url")
	assert.Equal(t, "https://[REDACTED]@db.example.com/x", e.Value)
	assert.Equal(t, "https://svc:hunter2@db.example.com/x", s.URL,
		"the value itself is kept")
}

// TestParseErrorsQuoteNothing checks that a parser's message about a line
// holding a secret does not repeat the line's text.
func TestParseErrorsQuoteNothing(t *testing.T) {
	tests := []struct {
		name, file, body, secret string
		line                     int
	}{
		{"yaml alias", "a.yaml", "name: x\ntoken: *Xk9vQ2mZ7wLp4R\n",
			"Xk9vQ2mZ7wLp4R", 2},
		{"yaml tag", "t.yaml", "name: x\ntoken: !Zq8sK1pW3nV5 a\nx: [\n",
			"Zq8sK1pW3nV5", 3},
		{"toml number", "n.toml", "name = \"x\"\ntoken = 98231477561029384756\n",
			"98231477561029384756", 2},
		{"toml string", "s.toml", "name = \"x\"\ntoken = \"abc\\qZ7x\"\n",
			"abc", 2},
		{"json string", "s.json", "{\"token\": \"Pq7Vw2Xs9\x01\"}",
			"Pq7Vw2Xs9", 1},
		{"json number", "n.json", "{\"token\": 31415926535897932e400,}",
			"31415926535897932", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			require.NoError(t, os.WriteFile(p, []byte(tt.body), 0o600))
			var s service
			_, err := loader.Load(context.Background(), &s, env(),
				loader.WithFiles(p))
			var ve *loader.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.NotContains(t, err.Error(), tt.secret)
			require.NotNil(t, ve.Problems[0].Source)
			assert.Equal(t, tt.line, ve.Problems[0].Source.Line, "%v", err)
		})
	}
}

func TestFileShapes(t *testing.T) {
	tests := []struct {
		name, file, body string
		line             int
		want             string // in the error; "" for no error
		absent           string // never in the error
	}{
		{"second document", "d.yaml", "name: a\n---\nname: b\n", 2,
			"second YAML document", ""},
		{"one document with a marker", "d1.yaml", "---\nname: a\n", 0, "", ""},
		{"utf-8 bom yaml", "b.yaml", "\ufeffname: a\n", 0, "", ""},
		{"utf-8 bom json", "b.json", "\ufeff{\"name\": \"a\"}", 0, "", ""},
		{"utf-8 bom toml", "b.toml", "\ufeffname = \"a\"\n", 0, "", ""},
		{"utf-16", "w.yaml", "\xff\xfen\x00a\x00", 1, "UTF-16", ""},
		{"anchor swallows a secret", "a.yaml",
			"name: a\ntoken: &Sk3tch9Zq\n", 2, "quote the value", "Sk3tch9Zq"},
		{"tag swallows a secret", "t.yaml",
			"name: a\ntoken: !Sk3tch9Zq\n", 2, "quote the value", "Sk3tch9Zq"},
		{"double-bang tag swallows a secret", "t2.yaml",
			"name: a\ntoken: !!Sk3tch9Zq\n", 2, "quote the value",
			"Sk3tch9Zq"},
		{"anchor with a value is fine", "v.yaml",
			"name: &n a\ntags: [*n]\n", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			require.NoError(t, os.WriteFile(p, []byte(tt.body), 0o600))
			var s service
			_, err := loader.Load(context.Background(), &s, env(),
				loader.WithFiles(p))
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "a", s.Name)
				return
			}
			var ve *loader.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorContains(t, err, tt.want)
			assert.Equal(t, tt.line, ve.Problems[0].Source.Line, "%v", err)
			if tt.absent != "" {
				assert.NotContains(t, err.Error(), tt.absent)
			}
		})
	}
}

func TestNamedPipeIsRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := mkfifo(p); err != nil {
		t.Skip("no named pipes here:", err)
	}
	var s service
	done := make(chan error, 1)
	go func() {
		_, err := loader.Load(context.Background(), &s, env(),
			loader.WithFiles(p))
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorContains(t, err, "not a regular file")
	case <-time.After(10 * time.Second):
		t.Fatal("Load waits on a named pipe")
	}
}

func TestReadableFileWarningInReport(t *testing.T) {
	p := filepath.Join(t.TempDir(), "svc.yaml")
	require.NoError(t, os.WriteFile(p, []byte("name: x\ntoken: t\n"), 0o644))
	require.NoError(t, os.Chmod(p, 0o644))
	var s service
	r, err := loader.Load(context.Background(), &s, env(), loader.WithFiles(p))
	require.NoError(t, err)
	require.Len(t, r.Warnings, 1)
	assert.Contains(t, r.Warnings[0], "readable by every user")
	assert.Contains(t, r.Warnings[0], "key token")

	require.NoError(t, os.Chmod(p, 0o600))
	r, err = loader.Load(context.Background(), &s, env(), loader.WithFiles(p))
	require.NoError(t, err)
	assert.Empty(t, r.Warnings)
}

func TestUnknownKeyHints(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"variable name as key", "name: x\nSVC_TOKEN: t\n",
			`SVC_TOKEN is the variable; in a file the key is "token"`},
		{"merge key", "base: &b {}\nname: x\n<<: *b\n",
			"merge keys (<<) are not supported"},
		{"flow duplicate", "{name: x, name: y}\n", "set twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s service
			_, err := loader.Load(context.Background(), &s, env(),
				loader.WithFiles(file(t, tt.body)))
			assert.ErrorContains(t, err, tt.want)
			assert.NotContains(t, err.Error(), "line 1 or line 1")
		})
	}
}

func TestTOMLNumberForTextIsRefused(t *testing.T) {
	for _, v := range []string{"0x1F", "1e3", "1_000", "inf", "true"} {
		t.Run(v, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.toml")
			require.NoError(t, os.WriteFile(p,
				[]byte("name = \"x\"\ntoken = "+v+"\n"), 0o600))
			var s service
			_, err := loader.Load(context.Background(), &s, env(),
				loader.WithFiles(p))
			assert.ErrorContains(t, err, "token: want a string")
		})
	}
	p := filepath.Join(t.TempDir(), "c.toml")
	require.NoError(t, os.WriteFile(p,
		[]byte("name = \"x\"\ntoken = \"0x1F\"\nport = 81\n"), 0o600))
	var s service
	_, err := loader.Load(context.Background(), &s, env(), loader.WithFiles(p))
	require.NoError(t, err)
	assert.Equal(t, "0x1F", s.Token.Reveal())
	assert.Equal(t, uint16(81), s.Port)
}

func TestDocumentMarkerAloneIsEmpty(t *testing.T) {
	for _, body := range []string{"---\n", "null\n", "--- ~\n"} {
		var s service
		_, err := loader.Load(context.Background(), &s, env("SVC_NAME=x"),
			loader.WithEnvPrefix("SVC"), loader.WithFiles(file(t, body)))
		assert.NoError(t, err, "%q", body)
	}
}

func TestTagsAreNeverShown(t *testing.T) {
	for _, body := range []string{"!Sk3tchTagValue9", "tags: [a, !Sk3tchTagValue9]\n"} {
		var s service
		_, err := loader.Load(context.Background(), &s, env("SVC_NAME=x"),
			loader.WithEnvPrefix("SVC"), loader.WithFiles(file(t, body)))
		require.Error(t, err, "%q", body)
		assert.NotContains(t, err.Error(), "Sk3tchTagValue9")
	}
}
