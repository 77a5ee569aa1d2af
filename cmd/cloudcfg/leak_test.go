package main

import (
	"bytes"
	"context"
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

// The canaries: one secret per secret key. Each shares no run of ten
// bytes with anything the program prints on its own.
const (
	canaryID     = "9f2c41d7-cAnArY-id-e03b"
	canarySecret = "71b8e5a2-cAnArY-secret-4dc6"
	canaryBearer = "c35d0f96-cAnArY-bearer-8a17"
)

var canaries = []string{canaryID, canarySecret, canaryBearer}

// window is the shortest run of a canary that counts as a leak, so that
// a value shown in part ("9f2c41d7-cAn...") is caught too.
const window = 10

// findLeaks returns each canary form found in out: a run of the canary
// as written (in any case), the whole canary in hex, spaced hex, decimal
// bytes (%v of a []byte) or base64 at any alignment.
func findLeaks(out string, secrets ...string) []string {
	var found []string
	lower := strings.ToLower(out)
	for _, c := range secrets {
		for i := 0; i+window <= len(c); i++ {
			if strings.Contains(lower, strings.ToLower(c[i:i+window])) {
				found = append(found, fmt.Sprintf("%q", c[i:i+window]))
				break
			}
		}
		b := []byte(c)
		spaced := strings.TrimSpace(fmt.Sprintf("% x", b))
		decimal := strings.Trim(fmt.Sprint(b), "[]")
		for name, form := range map[string]string{"hex": hex.EncodeToString(b),
			"spaced hex": spaced, "decimal bytes": decimal} {
			if strings.Contains(lower, form) {
				found = append(found, name+" of "+c)
			}
		}
		for pad := range 3 {
			p := append(make([]byte, pad), b...)
			for _, enc := range []*base64.Encoding{base64.StdEncoding,
				base64.URLEncoding} {
				e := enc.EncodeToString(p)
				if strings.Contains(out, e[4:len(e)-4]) {
					found = append(found, "base64 of "+c)
				}
			}
		}
	}
	return found
}

// noLeak fails t when out holds any canary in any form.
func noLeak(t *testing.T, what, out string) {
	t.Helper()
	if found := findLeaks(out, canaries...); len(found) > 0 {
		t.Errorf("%s leaks %s:\n%s", what, strings.Join(found, ", "), out)
	}
}

// appConfig is a service's own configuration with the client
// configuration embedded under a key of its own.
type appConfig struct {
	Name    string                   `yaml:"name" json:"name" env:"-"`
	Airbyte config.CloudClientConfig `yaml:"airbyte" json:"airbyte"`
}

// plainConfig and plainApp hold the canaries as plain strings: the
// controls that every path must be seen to leak.
type (
	plainConfig struct {
		ClientID     string `yaml:"client_id" json:"client_id"`
		ClientSecret string `yaml:"client_secret" json:"client_secret"`
		BearerToken  string `yaml:"bearer_token" json:"bearer_token"`
		APIRoot      string `yaml:"api_root" json:"api_root"`
	}
	plainApp struct {
		Name    string      `yaml:"name" json:"name"`
		Airbyte plainConfig `yaml:"airbyte" json:"airbyte"`
	}
)

// canaryConfig holds every canary. No loader would accept it (two
// authentication methods), but every printing path must hide all three.
func canaryConfig() config.CloudClientConfig {
	return config.CloudClientConfig{
		ClientID:      secret.New(canaryID),
		ClientSecret:  secret.New(canarySecret),
		BearerToken:   secret.New(canaryBearer),
		APIRoot:       "http://127.0.0.1:1/api/public/v1",
		ConfigAPIRoot: "http://127.0.0.1:1/api/v1",
		Timeout:       30 * time.Second,
	}
}

// otherConfig differs from canaryConfig in every secret and the root.
func otherConfig() config.CloudClientConfig {
	c := canaryConfig()
	c.ClientID = secret.New("other-id")
	c.ClientSecret = secret.New("other-secret")
	c.BearerToken = secret.New("other-bearer")
	c.APIRoot = "http://127.0.0.1:2/v1"
	return c
}

// recorder is an assert.TestingT that keeps what a failed assertion
// prints.
type recorder struct{ bytes.Buffer }

func (r *recorder) Errorf(format string, args ...any) {
	fmt.Fprintf(&r.Buffer, format, args...)
}

// counterpart returns a value of v's type to diff v against: the other
// config where v holds one, else the zero value.
func counterpart(v any) any {
	switch x := v.(type) {
	case config.CloudClientConfig:
		return otherConfig()
	case *config.CloudClientConfig:
		c := otherConfig()
		return &c
	case appConfig:
		return appConfig{Name: x.Name, Airbyte: otherConfig()}
	case *appConfig:
		return &appConfig{Name: x.Name, Airbyte: otherConfig()}
	}
	return reflect.Zero(reflect.TypeOf(v)).Interface()
}

func fmtPath(format string) func(any) string {
	return func(v any) string { return fmt.Sprintf(format, v) }
}

func marshalPath(marshal func(any) ([]byte, error)) func(any) string {
	return func(v any) string {
		out, err := marshal(v)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(out)
	}
}

// textPath marshals v with encoding/xml, which writes each field through
// its TextMarshaler, and calls MarshalText on every field that has one.
func textPath(v any) string {
	out := []string{marshalPath(xml.Marshal)(v)}
	var walk func(rv reflect.Value)
	walk = func(rv reflect.Value) {
		if rv.Kind() == reflect.Pointer {
			rv = rv.Elem()
		}
		if tm, ok := rv.Interface().(encoding.TextMarshaler); ok {
			b, err := tm.MarshalText()
			out = append(out, string(b), fmt.Sprint(err))
			return
		}
		switch rv.Kind() {
		case reflect.String:
			out = append(out, rv.String())
		case reflect.Struct:
			for i := range rv.NumField() {
				if rv.Type().Field(i).IsExported() {
					walk(rv.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v))
	return strings.Join(out, "\n")
}

func slogPath(json, group bool) func(any) string {
	return func(v any) string {
		var buf bytes.Buffer
		opts := &slog.HandlerOptions{AddSource: true}
		var h slog.Handler = slog.NewTextHandler(&buf, opts)
		if json {
			h = slog.NewJSONHandler(&buf, opts)
		}
		l := slog.New(h)
		if group {
			l.Info("loaded", slog.Group("airbyte", slog.Any("config", v)))
			l.WithGroup("svc").With("config", v).Warn("again")
			return buf.String()
		}
		l.Info("loaded", "config", v)
		l.Error("failed", slog.Any("config", v))
		return buf.String()
	}
}

func testifyPath(v any) string {
	var r recorder
	other := counterpart(v)
	assert.Equal(&r, v, other)
	assert.Equal(&r, other, v, "message: %v", v)
	assert.EqualValues(&r, v, other)
	assert.Empty(&r, v)
	assert.Nil(&r, v)
	assert.Zero(&r, v)
	assert.NotEqual(&r, v, v)
	return r.String()
}

func cmpPath(v any) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprint("panic: ", r)
		}
	}()
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	return cmp.Diff(v, counterpart(v)) + cmp.Diff(counterpart(v), v, all)
}

func errorPath(v any) string {
	err := fmt.Errorf("wrap: %w", fmt.Errorf("load %v: %+v", v, v))
	return fmt.Sprintf("%v|%+v|%#v|%s", err, err, err, errors.Unwrap(err))
}

func panicPath(v any) (out string) {
	defer func() {
		r := recover()
		out = fmt.Sprintf("%v %+v %#v", r, r, r)
	}()
	panic(fmt.Errorf("bad config %v", v))
}

// valuePaths are the ways a value leaves a program as text.
var valuePaths = []struct {
	name   string
	render func(any) string
}{
	{"fmt_v", fmtPath("%v")},
	{"fmt_plus_v", fmtPath("%+v")},
	{"fmt_sharp_v", fmtPath("%#v")},
	{"fmt_s", fmtPath("%s")},
	{"fmt_q", fmtPath("%q")},
	{"fmt_x", fmtPath("%x")},
	{"fmt_X", fmtPath("%X")},
	{"Sprint", func(v any) string { return fmt.Sprint(v) }},
	{"Println", func(v any) string {
		var buf bytes.Buffer
		fmt.Fprintln(&buf, v)
		return buf.String()
	}},
	{"json", marshalPath(json.Marshal)},
	{"yaml", marshalPath(yaml.Marshal)},
	{"text", textPath},
	{"slog_text", slogPath(false, false)},
	{"slog_json", slogPath(true, false)},
	{"slog_text_group", slogPath(false, true)},
	{"slog_json_group", slogPath(true, true)},
	{"testify_diff", testifyPath},
	{"cmp_diff", cmpPath},
	{"error", errorPath},
	{"panic_recover", panicPath},
}

func TestLeak(t *testing.T) {
	if v := os.Getenv(panicChildVar); v != "" {
		panicChild(v)
	}

	cfg := canaryConfig()
	app := appConfig{Name: "svc", Airbyte: cfg}
	values := []struct {
		name string
		v    any
	}{
		{"client_id", cfg.ClientID},
		{"client_secret", cfg.ClientSecret},
		{"bearer_token", &cfg.BearerToken},
		{"config", cfg},
		{"config_pointer", &cfg},
		{"app", app},
		{"app_pointer", &app},
	}
	ctl := plainApp{Name: "svc", Airbyte: plainConfig{ClientID: canaryID,
		ClientSecret: canarySecret, BearerToken: canaryBearer}}

	for _, p := range valuePaths {
		t.Run(p.name, func(t *testing.T) {
			for _, v := range values {
				t.Run(v.name, func(t *testing.T) {
					out := p.render(v.v)
					require.NotEmpty(t, out)
					noLeak(t, p.name, out)
				})
			}
			t.Run("control", func(t *testing.T) {
				out := p.render(ctl)
				assert.Len(t, findLeaks(out, canaries...), len(canaries),
					"%s must carry the control's plain canaries:\n%s",
					p.name, out)
			})
		})
	}

	t.Run("panic_uncaught", testUncaughtPanic)
	t.Run("errors", testErrorLeaks)
	t.Run("cli", testCLILeaks)
	t.Run("cli_every_command", testEveryCommand)
}

// panicChildVar makes the test binary, run again by panic_uncaught, die
// of a panic carrying the configuration.
const panicChildVar = "CLOUDCFG_LEAK_PANIC_CHILD"

func panicChild(kind string) {
	cfg := canaryConfig()
	switch kind {
	case "value":
		panic(cfg)
	case "pointer":
		panic(&cfg)
	case "secret":
		panic(cfg.ClientSecret)
	case "error":
		panic(fmt.Errorf("config %+v", cfg))
	}
	panic(fmt.Sprintf("config %v %+v %#v", cfg, &cfg,
		appConfig{Airbyte: cfg}))
}

func testUncaughtPanic(t *testing.T) {
	for _, kind := range []string{"value", "pointer", "secret", "error",
		"string"} {
		t.Run(kind, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLeak$",
				"-test.count=1")
			cmd.Env = append(os.Environ(), panicChildVar+"="+kind,
				"GOTRACEBACK=all")
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the child must die:\n%s", out)
			require.Contains(t, string(out), "panic: ")
			noLeak(t, "an uncaught panic", string(out))
		})
	}
}

// errorCase is a configuration whose error must not show its secrets.
type errorCase struct {
	name  string
	rule  string // a rule some problem must have; "" for other errors
	load  func(t *testing.T, dir string) (any, error)
	setup func(t *testing.T, dir string)
}

func write(t *testing.T, path, content string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// loadWith loads the client configuration from environ and the files
// that files maps from name to content below dir, with dir as the home
// folder.
func loadWith(environ []string, files map[string]string,
	opts ...loader.Option) func(*testing.T, string) (any, error) {
	return func(t *testing.T, dir string) (any, error) {
		home := []string{"HOME=" + filepath.Join(dir, ".home"),
			"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config")}
		all := []loader.Option{
			loader.WithEnviron(append(home, environ...))}
		for name, content := range files {
			path := write(t, filepath.Join(dir, name), content)
			if strings.HasSuffix(name, ".env") {
				all = append(all, loader.WithDotenv(path))
			} else {
				all = append(all, loader.WithFiles(path))
			}
		}
		var logs bytes.Buffer
		all = append(all, loader.WithLogger(slog.New(
			slog.NewTextHandler(&logs, nil))))
		all = append(all, opts...)
		c, r, err := config.LoadReport(context.Background(), all...)
		return []any{c, r, logs.String()}, err
	}
}

// loadApp loads appConfig from a YAML file with the generic loader.
func loadApp(yamlText string) func(*testing.T, string) (any, error) {
	return func(t *testing.T, dir string) (any, error) {
		path := write(t, filepath.Join(dir, "app.yaml"), yamlText)
		var app appConfig
		r, err := loader.Load(context.Background(), &app,
			loader.WithEnviron(nil), loader.WithFiles(path))
		return []any{app, r}, err
	}
}

// secretFileEnv writes each secret of vars, which maps a variable to a
// secret, to a file below dir and returns VAR_FILE settings naming them.
func secretFileEnv(t *testing.T, dir string,
	vars map[string]string) []string {
	t.Helper()
	var env []string
	for name, content := range vars {
		path := write(t, filepath.Join(dir, strings.ToLower(name)), content)
		env = append(env, name+"_FILE="+path)
	}
	return env
}

// clearEnv empties, for the test, every variable of the process that
// FromEnv could read: an empty variable counts as unset.
func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AIRBYTE_") {
			t.Setenv(name, "")
		}
	}
}

func errorCases() []errorCase {
	big := strings.Repeat(canarySecret, 3000)
	return []errorCase{
		{name: "whitespace_env", rule: "secret_trimmed",
			load: loadWith([]string{
				"AIRBYTE_CLOUD_BEARER_TOKEN= " + canaryBearer + " "}, nil)},
		{name: "whitespace_file", rule: "secret_trimmed",
			load: loadWith(nil, map[string]string{"c.yaml": "client_id: \"" +
				canaryID + "\\t\"\nclient_secret: '" + canarySecret + " '\n"})},
		{name: "whitespace_secret_file", rule: "secret_trimmed",
			load: func(t *testing.T, dir string) (any, error) {
				env := secretFileEnv(t, dir, map[string]string{
					"AIRBYTE_CLOUD_BEARER_TOKEN": canaryBearer + " \n\n"})
				return loadWith(env, nil)(t, dir)
			}},
		{name: "whitespace_new", rule: "secret_trimmed",
			load: func(*testing.T, string) (any, error) {
				return config.New(config.WithBearerToken(canaryBearer + "\n"))
			}},
		{name: "whitespace_from_env", rule: "secret_trimmed",
			setup: func(t *testing.T, _ string) {
				clearEnv(t)
				t.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN", "\t"+canaryBearer)
			},
			load: func(*testing.T, string) (any, error) {
				return config.FromEnv(context.Background())
			}},
		{name: "half_credentials", rule: loader.RuleHalfUnit,
			load: loadWith([]string{
				"AIRBYTE_CLOUD_CLIENT_SECRET=" + canarySecret}, nil)},
		{name: "half_credentials_app", rule: loader.RuleHalfUnit,
			load: loadApp("name: svc\nairbyte:\n  client_id: " +
				canaryID + "\n")},
		{name: "both_methods_env", rule: loader.RuleUnitMix,
			load: loadWith([]string{
				"AIRBYTE_CLOUD_CLIENT_ID=" + canaryID,
				"AIRBYTE_CLOUD_CLIENT_SECRET=" + canarySecret,
				"AIRBYTE_CLOUD_BEARER_TOKEN=" + canaryBearer}, nil)},
		{name: "both_methods_file", rule: loader.RuleUnitMix,
			load: loadWith(nil, map[string]string{"c.yaml": "client_id: " +
				canaryID + "\nclient_secret: " + canarySecret +
				"\nbearer_token: " + canaryBearer + "\n"})},
		{name: "both_methods_merged", rule: loader.RuleTwoUnits,
			load: loadWith([]string{"AIRBYTE_CLOUD_CLIENT_ID=" + canaryID},
				map[string]string{"c.yaml": "bearer_token: " +
					canaryBearer + "\n"})},
		{name: "both_methods_new", rule: loader.RuleUnitMix,
			load: func(*testing.T, string) (any, error) {
				return config.New(
					config.WithClientCredentials(canaryID, canarySecret),
					config.WithBearerToken(canaryBearer))
			}},
		{name: "type_error_file", rule: loader.RuleType,
			load: loadWith([]string{"AIRBYTE_CLOUD_BEARER_TOKEN=" +
				canaryBearer}, map[string]string{"c.yaml": "timeout: " +
				canarySecret + "\nallow_insecure_http: " + canaryID + "\n"})},
		{name: "type_error_shape", rule: loader.RuleType,
			load: loadWith(nil, map[string]string{"c.yaml": "client_secret: [" +
				canarySecret + "]\nbearer_token: {k: " + canaryBearer +
				"}\nclient_id:\n  - " + canaryID + "\n"})},
		{name: "type_error_tagged", rule: loader.RuleType,
			load: loadWith(nil, map[string]string{"c.yaml": "timeout: !!int " +
				canarySecret + "\nclient_id: " + canaryID +
				"\nclient_secret: " + canarySecret + "\n"})},
		{name: "type_error_env", rule: loader.RuleType,
			load: loadWith([]string{"AIRBYTE_CLOUD_TIMEOUT=" + canarySecret,
				"AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP=" + canaryID}, nil)},
		{name: "type_error_app", rule: loader.RuleType,
			load: loadApp("airbyte:\n  bearer_token: " + canaryBearer +
				"\n  timeout: " + canarySecret + "\n")},
		{name: "yaml_syntax", rule: loader.RuleSyntax,
			load: loadWith(nil, map[string]string{"c.yaml": "client_id: " +
				canaryID + "\nclient_secret: \"" + canarySecret + "\n"})},
		{name: "yaml_anchor", rule: loader.RuleSyntax,
			load: loadWith(nil, map[string]string{
				"c.yaml": "client_secret: *" + canarySecret + "\n"})},
		{name: "yaml_mapping_in_value", rule: loader.RuleSyntax,
			load: loadWith(nil, map[string]string{
				"c.yaml": "bearer_token: " + canaryBearer + ": x\n"})},
		{name: "toml_syntax", rule: loader.RuleSyntax,
			load: loadWith(nil, map[string]string{
				"c.toml": "client_secret = \"" + canarySecret + "\n"})},
		{name: "json_syntax", rule: loader.RuleSyntax,
			load: loadWith(nil, map[string]string{
				"c.json": "{\"bearer_token\": \"" + canaryBearer + "}\n"})},
		{name: "key_typo", rule: loader.RuleUnknown,
			load: loadWith(nil, map[string]string{
				"c.yaml": "client_secrte: " + canarySecret + "\n"})},
		{name: "duplicate_key", rule: loader.RuleDuplicate,
			load: loadWith(nil, map[string]string{"c.yaml": "bearer_token: " +
				canaryBearer + "\nbearer_token: " + canaryBearer + "x\n"})},
		{name: "dotenv_syntax", rule: loader.RuleSyntax,
			load: loadWith(nil, map[string]string{"app.env": "A=1\n" +
				"AIRBYTE_CLOUD_CLIENT_SECRET " + canarySecret + "\n"})},
		{name: "dotenv_unclosed_quote", rule: loader.RuleSyntax,
			load: loadWith(nil, map[string]string{"app.env": "" +
				"AIRBYTE_CLOUD_BEARER_TOKEN=\"" + canaryBearer + "\n"})},
		{name: "secret_file_directory", rule: loader.RuleFile,
			load: func(t *testing.T, dir string) (any, error) {
				return loadWith([]string{
					"AIRBYTE_CLOUD_CLIENT_ID=" + canaryID,
					"AIRBYTE_CLOUD_CLIENT_SECRET_FILE=" + dir}, nil)(t, dir)
			}},
		{name: "secret_file_too_large", rule: loader.RuleFile,
			load: func(t *testing.T, dir string) (any, error) {
				env := secretFileEnv(t, dir, map[string]string{
					"AIRBYTE_CLOUD_CLIENT_SECRET": big})
				return loadWith(append(env, "AIRBYTE_CLOUD_CLIENT_ID="+
					canaryID), nil)(t, dir)
			}},
		{name: "secret_file_and_value", rule: loader.RuleBothForms,
			load: func(t *testing.T, dir string) (any, error) {
				env := secretFileEnv(t, dir, map[string]string{
					"AIRBYTE_CLOUD_BEARER_TOKEN": canaryBearer + "\n"})
				return loadWith(append(env, "AIRBYTE_CLOUD_BEARER_TOKEN="+
					canaryBearer), nil)(t, dir)
			}},
		{name: "placeholder", rule: loader.RuleType,
			load: loadWith([]string{"AIRBYTE_CLOUD_CLIENT_ID=" + canaryID,
				"AIRBYTE_CLOUD_CLIENT_SECRET=[REDACTED]"}, nil)},
		{name: "url_user_info", rule: "api_url",
			load: loadWith([]string{"AIRBYTE_CLOUD_BEARER_TOKEN=" +
				canaryBearer, "AIRBYTE_CLOUD_API_URL=https://" + canaryID +
				":" + canarySecret + "@127.0.0.1/v1"}, nil)},
		{name: "flag_file_directory", rule: loader.RuleFile,
			load: func(t *testing.T, dir string) (any, error) {
				fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
				require.NoError(t, loader.BindFlags(fs,
					&config.CloudClientConfig{}))
				require.NoError(t, fs.Parse([]string{
					"--bearer-token-file", dir}))
				return loadWith([]string{"AIRBYTE_CLOUD_CLIENT_ID=" +
					canaryID}, nil, loader.WithFlags(fs))(t, dir)
			}},
		{name: "stdin_too_large", rule: loader.RuleFile,
			load: func(t *testing.T, dir string) (any, error) {
				fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
				require.NoError(t, loader.BindFlags(fs,
					&config.CloudClientConfig{}))
				require.NoError(t, fs.Parse([]string{
					"--bearer-token-file", "-"}))
				return loadWith(nil, nil, loader.WithFlags(fs),
					loader.WithStdin(strings.NewReader(big)))(t, dir)
			}},
		{name: "missing_secret_from_env",
			setup: func(t *testing.T, _ string) {
				clearEnv(t)
				t.Setenv("AIRBYTE_CLOUD_CLIENT_ID", canaryID)
			},
			load: func(*testing.T, string) (any, error) {
				return config.FromEnv(context.Background())
			}},
		{name: "no_method_with_typo", rule: loader.RuleNoUnit,
			load: loadWith([]string{
				"AIRBYTE_CLOUD_BEARER_TOKN=" + canaryBearer}, nil)},
	}
}

// errorForms renders err the ways a program or a test shows one, down
// to the memory it holds (testify's diff walks unexported fields).
func errorForms(err error) string {
	var r recorder
	assert.NoError(&r, err)
	assert.Equal(&r, &loader.ValidationError{}, err)
	assert.Nil(&r, err)
	js, jerr := json.Marshal(err)
	var ve *loader.ValidationError
	var problems []byte
	if errors.As(err, &ve) {
		problems, _ = json.Marshal(ve.Problems)
	}
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	return strings.Join([]string{err.Error(),
		fmt.Sprintf("%v|%+v|%#v|%q", err, err, err, err),
		r.String(), string(js), fmt.Sprint(jerr), string(problems),
		cmp.Diff(err, error(nil), all)}, "\n")
}

func testErrorLeaks(t *testing.T) {
	for _, tc := range errorCases() {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			got, err := tc.load(t, dir)
			require.Error(t, err)
			if tc.rule != "" {
				var ve *loader.ValidationError
				require.True(t, errors.As(err, &ve), "%T: %v", err, err)
				var rules []string
				for _, p := range ve.Problems {
					rules = append(rules, p.Rule)
				}
				assert.Contains(t, rules, tc.rule, "error: %v", err)
			}
			noLeak(t, "the error", errorForms(err))
			// What came back with the error: the report, the logs and
			// the partly loaded value.
			noLeak(t, "the result", fmt.Sprintf("%+v", got))
			noLeak(t, "the result's diff", testifyPath(got))
		})
	}
}

// fakeAPI is a loopback stand-in for the Airbyte API that refuses every
// request and echoes what it was sent, as careless servers do, so that a
// command printing a response body shows up here.
func fakeAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"message":"bad credentials %s","got":%q}`,
				r.Header.Get("Authorization"), body)
		}))
	t.Cleanup(srv.Close)
	return srv
}

// cliCase is a deployment that hands the CLI its secrets one way.
type cliCase struct {
	name string
	// files maps paths below the working folder to their content.
	files map[string]string
	// secretFiles maps a variable to a secret: the case sets VAR_FILE
	// to a file holding it.
	secretFiles map[string]string
	// env and args may name the working folder as $DIR.
	env   []string
	args  []string
	stdin string
	// more sets up anything else, such as symlinks.
	more func(t *testing.T, dir string)
	// code is the exit code of show and validate: 0 for a valid
	// configuration, 1 for an invalid one, 2 for a usage error.
	code int
	// shown is how many secret values show -o json lists, each as
	// "[REDACTED]": proof that the case hands its secrets over.
	shown int
}

// prepare writes the case's files into dir and returns its arguments
// and environment.
func (tc cliCase) prepare(t *testing.T, dir string) (args, env []string) {
	t.Helper()
	expand := func(s string) string {
		return strings.ReplaceAll(s, "$DIR", dir)
	}
	for name, content := range tc.files {
		write(t, filepath.Join(dir, name), expand(content))
	}
	env = append(env, secretFileEnv(t, dir, tc.secretFiles)...)
	if tc.more != nil {
		tc.more(t, dir)
	}
	for _, a := range tc.args {
		args = append(args, expand(a))
	}
	for _, e := range tc.env {
		env = append(env, expand(e))
	}
	return args, env
}

// kubeMount lays out mnt/ as the kubelet mounts a Secret: the data in a
// timestamped folder, ..data pointing at it, the key a symlink through
// ..data.
func kubeMount(t *testing.T, dir string) {
	stamp := "..2026_01_01_00_00_00.1"
	write(t, filepath.Join(dir, "mnt", stamp, "token"), canaryBearer+"\n")
	require.NoError(t, os.Symlink(stamp, filepath.Join(dir, "mnt", "..data")))
	require.NoError(t, os.Symlink("..data/token",
		filepath.Join(dir, "mnt", "token")))
}

func cliCases() []cliCase {
	var (
		creds = "client_id: " + canaryID + "\nclient_secret: " +
			canarySecret + "\n"
		bearer   = "bearer_token: " + canaryBearer + "\n"
		envCreds = []string{"AIRBYTE_CLOUD_CLIENT_ID=" + canaryID,
			"AIRBYTE_CLOUD_CLIENT_SECRET=" + canarySecret}
		envID     = "AIRBYTE_CLOUD_CLIENT_ID=" + canaryID
		envBearer = "AIRBYTE_CLOUD_BEARER_TOKEN=" + canaryBearer
		both      = append([]string{envBearer}, envCreds...)
		xdg       = ".config/cloudcfg/config.yaml"
		big       = strings.Repeat(canaryBearer+"\n", 3000)
	)
	return []cliCase{
		// Valid configurations, from every source.
		{name: "env_bearer_over_found_file", code: 0, shown: 3,
			files: map[string]string{"cloudcfg.yaml": creds},
			env:   []string{envBearer}},
		{name: "env_credentials_over_dotenv", code: 0, shown: 3,
			files: map[string]string{"app.env": "export " + envBearer},
			env:   envCreds, args: []string{"--env-file", "app.env"}},
		{name: "dotenv_under_env_bearer", code: 0, shown: 3,
			files: map[string]string{"app.env": "# creds\n" +
				"AIRBYTE_CLOUD_CLIENT_ID='" + canaryID + "'\n" +
				"AIRBYTE_CLOUD_CLIENT_SECRET=\"" + canarySecret + "\"\n"},
			env: []string{envBearer}, args: []string{"--env-file", "app.env"}},
		{name: "legacy_aliases_over_file", code: 0, shown: 3,
			files: map[string]string{"c.yaml": bearer},
			env: []string{"AIRBYTE_CLIENT_ID=" + canaryID,
				"AIRBYTE_CLIENT_SECRET=" + canarySecret},
			args: []string{"-c", "c.yaml"}},
		{name: "two_files_yaml_json", code: 0, shown: 3,
			files: map[string]string{"a.yaml": creds,
				"b.json": `{"bearer_token": "` + canaryBearer + `"}`},
			args: []string{"-c", "a.yaml", "-c", "b.json"}},
		{name: "toml_file", code: 0, shown: 2,
			files: map[string]string{"c.toml": "client_id = \"" + canaryID +
				"\"\nclient_secret = '" + canarySecret + "'\n"},
			args: []string{"-c", "c.toml"}},
		{name: "config_variable_beats_xdg", code: 0, shown: 1,
			files: map[string]string{"x.yaml": bearer, xdg: creds},
			env:   []string{"CLOUDCFG_CONFIG=x.yaml"}},
		{name: "xdg_file", code: 0, shown: 2,
			files: map[string]string{xdg: creds}},
		{name: "secret_files_over_file", code: 0, shown: 3,
			files: map[string]string{"c.yaml": bearer},
			secretFiles: map[string]string{
				"AIRBYTE_CLOUD_CLIENT_ID":     canaryID + "\n",
				"AIRBYTE_CLOUD_CLIENT_SECRET": canarySecret + "\r\n"},
			args: []string{"-c", "c.yaml"}},
		{name: "kubernetes_mount", code: 0, shown: 3, more: kubeMount,
			files: map[string]string{".env": "AIRBYTE_CLIENT_ID=" +
				canaryID + "\nAIRBYTE_CLIENT_SECRET=" + canarySecret + "\n"},
			env:  []string{"AIRBYTE_CLOUD_BEARER_TOKEN_FILE=mnt/token"},
			args: []string{"--env-file", ".env"}},
		{name: "bearer_token_file_flag", code: 0, shown: 3,
			files: map[string]string{"tok": canaryBearer},
			env:   envCreds, args: []string{"--bearer-token-file", "tok"}},
		{name: "stdin_client_secret", code: 0, shown: 2,
			env:   []string{envID},
			args:  []string{"--client-secret-file", "-"},
			stdin: canarySecret + "\n"},
		{name: "stdin_bearer_over_env", code: 0, shown: 3,
			env: envCreds, args: []string{"--bearer-token-file=-"},
			stdin: canaryBearer + "\r\n"},
		{name: "dotenv_secret_file", code: 0, shown: 3,
			files: map[string]string{"s/tok": canaryBearer,
				"app.env": "AIRBYTE_CLOUD_BEARER_TOKEN_FILE=$DIR/s/tok\n"},
			env: envCreds, args: []string{"--env-file", "app.env"}},
		{name: "flags_over_everything", code: 0, shown: 3,
			files: map[string]string{"id": canaryID, "sec": canarySecret},
			env:   []string{envBearer},
			args: []string{"--client-id-file", "id",
				"--client-secret-file", "sec", "--timeout", "5s"}},

		// Invalid configurations, each with secrets where it goes wrong.
		{name: "whitespace_env", code: 1, shown: 1,
			env: []string{envBearer + " "}},
		{name: "whitespace_file", code: 1, shown: 2,
			files: map[string]string{"c.yaml": "client_id: \" " + canaryID +
				"\"\nclient_secret: |\n  " + canarySecret + "\n"},
			args: []string{"-c", "c.yaml"}},
		{name: "whitespace_secret_file", code: 1, shown: 1,
			secretFiles: map[string]string{
				"AIRBYTE_CLOUD_BEARER_TOKEN": canaryBearer + "\n\n"}},
		{name: "whitespace_dotenv", code: 1, shown: 1,
			files: map[string]string{"app.env": "AIRBYTE_BEARER_TOKEN=\"" +
				canaryBearer + "\\t\"\n"},
			args: []string{"--env-file", "app.env"}},
		{name: "whitespace_stdin", code: 1, shown: 1,
			args:  []string{"--bearer-token-file", "-"},
			stdin: " " + canaryBearer},
		{name: "half_credentials", code: 1, shown: 1,
			env: []string{"AIRBYTE_CLOUD_CLIENT_SECRET=" + canarySecret}},
		{name: "both_methods_env", code: 1, shown: 3, env: both},
		{name: "both_methods_file", code: 1, shown: 3,
			files: map[string]string{"c.yaml": creds + bearer},
			args:  []string{"-c", "c.yaml"}},
		{name: "both_methods_merged", code: 1, shown: 2,
			files: map[string]string{"c.yaml": bearer},
			env:   []string{envID}, args: []string{"-c", "c.yaml"}},
		{name: "type_errors", code: 1, shown: 1,
			files: map[string]string{"c.yaml": "timeout: " + canaryID +
				"\nallow_insecure_http: " + canarySecret + "\n"},
			env:  []string{envBearer, "AIRBYTE_CLOUD_TIMEOUT=" + canaryBearer},
			args: []string{"-c", "c.yaml"}},
		{name: "wrong_shapes", code: 1, shown: 0,
			files: map[string]string{"c.yaml": "client_id: [" + canaryID +
				"]\nclient_secret: {x: " + canarySecret +
				"}\nbearer_token:\n  - " + canaryBearer + "\n"},
			args: []string{"-c", "c.yaml"}},
		{name: "yaml_syntax", code: 1, shown: 0,
			files: map[string]string{"c.yaml": creds + "bearer_token: '" +
				canaryBearer + "\n"},
			args: []string{"-c", "c.yaml"}},
		{name: "yaml_anchor", code: 1, shown: 0,
			files: map[string]string{"cloudcfg.yaml": "client_secret: *" +
				canarySecret + "\n"}},
		{name: "toml_syntax", code: 1, shown: 0,
			files: map[string]string{"c.toml": "client_secret = " +
				canarySecret + "\n"},
			args: []string{"-c", "c.toml"}},
		{name: "key_typo_and_duplicate", code: 1, shown: 1,
			files: map[string]string{"c.yaml": "client_secrte: " +
				canarySecret + "\n" + bearer + bearer + "client-id: " +
				canaryID + "\n"},
			args: []string{"-c", "c.yaml"}},
		{name: "dotenv_syntax", code: 1, shown: 0,
			files: map[string]string{"app.env": envID +
				"\nAIRBYTE_CLOUD_CLIENT_SECRET " + canarySecret +
				"\nAIRBYTE_BEARER_TOKEN='" + canaryBearer + "\n"},
			args: []string{"--env-file", "app.env"}},
		{name: "secret_file_is_directory", code: 1, shown: 1,
			env: []string{envID, "AIRBYTE_CLOUD_CLIENT_SECRET_FILE=$DIR"}},
		{name: "secret_file_too_large", code: 1, shown: 0,
			secretFiles: map[string]string{"AIRBYTE_CLOUD_BEARER_TOKEN": big}},
		{name: "secret_file_and_value", code: 1, shown: 0,
			secretFiles: map[string]string{
				"AIRBYTE_CLOUD_BEARER_TOKEN": canaryBearer},
			env: []string{envBearer}},
		{name: "flag_file_is_directory", code: 1, shown: 1,
			env: []string{envID}, args: []string{"--client-secret-file", "."}},
		{name: "stdin_twice", code: 1, shown: 1,
			args: []string{"--client-id-file", "-",
				"--client-secret-file", "-"},
			stdin: canaryID + "\n" + canarySecret + "\n"},
		{name: "placeholder_fed_back", code: 1, shown: 1,
			env: []string{envID, "AIRBYTE_CLOUD_CLIENT_SECRET=[REDACTED]"}},
		{name: "url_user_info", code: 1, shown: 2,
			env: append([]string{"AIRBYTE_CLOUD_API_URL=http://" +
				canaryBearer + "@127.0.0.1:1/v1"}, envCreds...)},
		{name: "missing_config_file", code: 1, shown: 2,
			env: envCreds, args: []string{"-c", "nope.yaml"}},
		{name: "unknown_variable", code: 1, shown: 0,
			env: []string{"AIRBYTE_CLOUD_BEARER_TOKN=" + canaryBearer}},

		// Usage errors, with every secret set.
		{name: "usage_extra_argument", code: 2, env: both,
			args: []string{"extra"}},
		{name: "usage_unknown_flag", code: 2, env: both,
			args: []string{"--bearer-token"}},
	}
}

// cliRun is one run of the CLI in process.
type cliRun struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, args, environ []string, stdin string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr,
		environ)
	return cliRun{code, stdout.String(), stderr.String()}
}

// baseEnv keeps the CLI away from the real home folder and aims it at
// the fake API on loopback.
func baseEnv(dir, api string) []string {
	return []string{"HOME=" + filepath.Join(dir, ".home"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"AIRBYTE_CLOUD_API_URL=" + api + "/api/public/v1"}
}

// commandLines returns the command lines to run for one case: every
// command but token, in each output format it takes.
func commandLines() [][]string {
	a := newApp(strings.NewReader(""), io.Discard, io.Discard, nil)
	var lines [][]string
	for _, c := range a.rootCmd().Commands() {
		name := c.Name()
		if name == "token" || name == "help" || name == "completion" {
			continue
		}
		lines = append(lines, []string{name})
		if c.Flags().Lookup("output") != nil {
			for _, f := range []string{"text", "json", "yaml"} {
				lines = append(lines, []string{name, "-o", f})
			}
		}
	}
	return lines
}

func testCLILeaks(t *testing.T) {
	api := fakeAPI(t)
	for _, tc := range cliCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, line := range [][]string{{"show"}, {"validate"},
				{"show", "-o", "json"}} {
				t.Run(strings.Join(line, "_"), func(t *testing.T) {
					dir := t.TempDir()
					t.Chdir(dir)
					args, env := tc.prepare(t, dir)
					env = append(baseEnv(dir, api.URL), env...)
					r := runCLI(t, append(line, args...), env, tc.stdin)
					assert.Equal(t, tc.code, r.code, "exit code of %v;"+
						"\nstdout:\n%s\nstderr:\n%s", line, r.stdout, r.stderr)
					noLeak(t, "stdout", r.stdout)
					noLeak(t, "stderr", r.stderr)
					if len(line) == 3 {
						assert.Equal(t, tc.shown, strings.Count(r.stdout,
							`"[REDACTED]"`), "secrets shown:\n%s", r.stdout)
					}
				})
			}
		})
	}
}

func testEveryCommand(t *testing.T) {
	api := fakeAPI(t)
	lines := append(commandLines(), []string{"--help"},
		[]string{"--version"}, []string{"help", "show"},
		[]string{"show", "--help"}, []string{"validate", "-o", "xml"})
	for _, tc := range cliCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, line := range lines {
				t.Run(strings.Join(line, "_"), func(t *testing.T) {
					dir := t.TempDir()
					t.Chdir(dir)
					args, env := tc.prepare(t, dir)
					env = append(baseEnv(dir, api.URL), env...)
					r := runCLI(t, append(line, args...), env, tc.stdin)
					assert.Contains(t, []int{0, 1, 2}, r.code)
					noLeak(t, "stdout", r.stdout)
					noLeak(t, "stderr", r.stderr)
				})
			}
		})
	}
}

// TestLeakHarness proves that the checks above can fail: the same
// function finds a canary that nothing redacts, in each form and on each
// path, and the CLI runs carry a plain value to the output.
func TestLeakHarness(t *testing.T) {
	t.Run("forms", func(t *testing.T) {
		for name, out := range map[string]string{
			"plain":      "x " + canarySecret + " y",
			"part":       canarySecret[:window],
			"upper":      strings.ToUpper(canarySecret),
			"hex":        fmt.Sprintf("%x", canarySecret),
			"upper hex":  fmt.Sprintf("%X", canarySecret),
			"spaced hex": fmt.Sprintf("% x", canarySecret),
			"byte slice": fmt.Sprint([]byte(canarySecret)),
			"base64": base64.StdEncoding.EncodeToString(
				[]byte(canarySecret)),
			"base64 inner": base64.URLEncoding.EncodeToString(
				[]byte("ab" + canarySecret)),
		} {
			assert.NotEmpty(t, findLeaks(out, canarySecret),
				"%s: %q", name, out)
		}
		assert.Empty(t, findLeaks("[REDACTED] secret.String(\"[REDACTED]\")",
			canaries...))
	})

	t.Run("plain_config", func(t *testing.T) {
		for _, p := range valuePaths {
			out := p.render(plainConfig{ClientSecret: canarySecret})
			assert.NotEmpty(t, findLeaks(out, canarySecret), p.name)
		}
	})

	t.Run("cli_plain_value", func(t *testing.T) {
		api := fakeAPI(t)
		pem, err := os.ReadFile("../../testdata/ca.pem")
		require.NoError(t, err)
		dir := t.TempDir()
		t.Chdir(dir)
		// ca_file is not a secret: show prints it as given.
		ca := filepath.Join(dir, canarySecret)
		require.NoError(t, os.WriteFile(ca, pem, 0o600))
		env := append(baseEnv(dir, api.URL), "AIRBYTE_CLOUD_CA_FILE="+ca,
			"AIRBYTE_CLOUD_BEARER_TOKEN=tok")
		r := runCLI(t, []string{"show", "-o", "json"}, env, "")
		require.Equal(t, 0, r.code, r.stderr)
		assert.NotEmpty(t, findLeaks(r.stdout, canaries...), r.stdout)
	})
}

// TestLeakSecretFileWarning checks that the CLI reports on stderr, without
// the secret, a world-readable secret file, and a world-readable config
// or dotenv file holding a secret.
func TestLeakSecretFileWarning(t *testing.T) {
	api := fakeAPI(t)
	tests := []struct {
		name string
		mode os.FileMode
		warn bool
	}{
		{name: "world-readable", mode: 0o644, warn: true},
		{name: "owner only", mode: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			tok := write(t, filepath.Join(dir, "tok"), canaryBearer+"\n")
			cfg := write(t, filepath.Join(dir, "c.yaml"), "client_id: "+
				canaryID+"\nclient_secret: "+canarySecret+"\n")
			dotenv := write(t, filepath.Join(dir, "app.env"),
				"AIRBYTE_CLOUD_CLIENT_ID="+canaryID+"\n")
			for _, path := range []string{tok, cfg, dotenv} {
				require.NoError(t, os.Chmod(path, tt.mode))
			}

			env := append(baseEnv(dir, api.URL),
				"AIRBYTE_CLOUD_BEARER_TOKEN_FILE="+tok)
			r := runCLI(t, []string{"validate", "-c", cfg,
				"--env-file", dotenv}, env, "")
			require.Equal(t, 0, r.code, r.stderr)
			noLeak(t, "stderr", r.stderr)
			noLeak(t, "stdout", r.stdout)
			if !tt.warn {
				assert.Empty(t, r.stderr)
				return
			}
			assert.Contains(t, r.stderr, "secret file is readable by "+
				"every user")
			assert.Contains(t, r.stderr, "AIRBYTE_CLOUD_BEARER_TOKEN_FILE")
			assert.Contains(t, r.stderr, "config file holding a secret")
			assert.Contains(t, r.stderr, cfg)
			assert.Contains(t, r.stderr, "dotenv file holding a secret")
			assert.Contains(t, r.stderr, dotenv)
			assert.NotContains(t, r.stdout, "readable", "data on stdout only")
		})
	}
}

// TestConfigEquality checks that redaction does not break comparison:
// configurations that hold the same values are equal to every tool, and
// ones that differ in a secret are not.
func TestConfigEquality(t *testing.T) {
	dir := t.TempDir()
	load := func(env ...string) *config.CloudClientConfig {
		t.Helper()
		c, err := config.Load(context.Background(),
			loader.WithEnviron(append(baseEnv(dir, "http://127.0.0.1:1"),
				env...)))
		require.NoError(t, err)
		return c
	}
	tokFile := write(t, filepath.Join(dir, "tok"), canaryBearer+"\n")

	a := load("AIRBYTE_CLOUD_BEARER_TOKEN=" + canaryBearer)
	b := load("AIRBYTE_CLOUD_BEARER_TOKEN_FILE=" + tokFile)
	c := load("AIRBYTE_CLOUD_BEARER_TOKEN=" + canaryBearer + "-x")
	d, err := config.New(config.WithBearerToken(canaryBearer),
		config.WithAPIRoot("http://127.0.0.1:1/api/public/v1"))
	require.NoError(t, err)

	tests := []struct {
		name string
		x, y *config.CloudClientConfig
		want bool
	}{
		{"env and file", a, b, true},
		{"env and New", a, d, true},
		{"same load twice", a, load("AIRBYTE_CLOUD_BEARER_TOKEN=" +
			canaryBearer), true},
		{"different token", a, c, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.x.BearerToken.Equal(tt.y.BearerToken),
				"secret.Equal")
			assert.Equal(t, tt.want, cmp.Equal(tt.x, tt.y), "cmp.Equal")
			assert.Equal(t, tt.want, cmp.Equal(*tt.x, *tt.y), "cmp.Equal")
			assert.Equal(t, tt.want, assert.ObjectsAreEqual(tt.x, tt.y),
				"testify")
			if tt.want {
				assert.Equal(t, tt.x, tt.y)
				assert.Equal(t, *tt.x, *tt.y)
				assert.Empty(t, cmp.Diff(tt.x, tt.y))
			} else {
				assert.NotEqual(t, tt.x, tt.y)
			}
			app1 := appConfig{Name: "svc", Airbyte: *tt.x}
			app2 := appConfig{Name: "svc", Airbyte: *tt.y}
			assert.Equal(t, tt.want, cmp.Equal(app1, app2), "app")
		})
	}
}
