package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	env "github.com/caarlos0/env/v11"
	"github.com/go-playground/validator/v10"
	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	kenv "github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/viper"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

// A peer loads one input into a fresh value, validated, as a program does
// once at start-up.
type peer struct {
	name string
	load func(files []string) (any, error)
}

// peers lists the loaders of each input, cloudcfg first.
var peers = map[string][]peer{
	"airbyte": {
		{"cloudcfg", cloudcfgAirbyte},
		{"viper", viperAirbyte},
		{"koanf", koanfAirbyte},
	},
	"app": {
		{"cloudcfg", cloudcfgApp},
		{"viper", viperApp},
		{"koanf", koanfApp},
	},
	"airbyte-envonly": {
		{"cloudcfg", cloudcfgAirbyte},
		{"viper", viperAirbyte},
		{"koanf", koanfAirbyte},
		{"caarlos0-env", envAirbyte},
	},
}

// cloudcfg: the library's own entry points.

func cloudcfgAirbyte(files []string) (any, error) {
	return config.Load(context.Background(), loader.WithFiles(files...))
}

func cloudcfgApp(files []string) (any, error) {
	var a App
	_, err := loader.Load(context.Background(), &a,
		loader.WithFiles(files...), loader.WithEnvPrefix(appEnvPrefix))
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// The keys of the peers, with their variables (highest priority first)
// and defaults: what cloudcfg reads from the struct tags, written out by
// hand as a user of the peers would.

type key struct {
	name string
	env  []string
}

var airbyteKeys = []key{
	{"client_id", []string{"AIRBYTE_CLOUD_CLIENT_ID", "AIRBYTE_CLIENT_ID"}},
	{"client_secret", []string{"AIRBYTE_CLOUD_CLIENT_SECRET",
		"AIRBYTE_CLIENT_SECRET"}},
	{"bearer_token", []string{"AIRBYTE_CLOUD_BEARER_TOKEN",
		"AIRBYTE_BEARER_TOKEN"}},
	{"api_root", []string{"AIRBYTE_CLOUD_API_URL", "AIRBYTE_API_ROOT"}},
	{"config_api_root", []string{"AIRBYTE_CLOUD_CONFIG_API_URL"}},
	{"allow_insecure_http", []string{"AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP"}},
	{"ca_file", []string{"AIRBYTE_CLOUD_CA_FILE"}},
	{"timeout", []string{"AIRBYTE_CLOUD_TIMEOUT"}},
}

var airbyteDefaults = map[string]any{
	"api_root": config.CloudAPIRoot,
	"timeout":  "30s",
}

var appKeys = func() []key {
	var keys []key
	for _, k := range []string{"name", "stage", "server.host",
		"server.port", "server.read_timeout", "server.write_timeout",
		"server.tls.cert_file", "server.tls.key_file", "database.url",
		"database.password", "database.max_conns", "database.min_conns",
		"database.conn_timeout", "log.level", "log.format",
		"metrics.enabled", "metrics.path", "metrics.port", "features"} {
		name := appEnvPrefix + "_" +
			strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		keys = append(keys, key{k, []string{name}})
	}
	for _, k := range airbyteKeys {
		keys = append(keys, key{"airbyte." + k.name, k.env})
	}
	return keys
}()

var appDefaults = map[string]any{
	"stage":                 "dev",
	"server.host":           "0.0.0.0",
	"server.port":           8080,
	"server.read_timeout":   "5s",
	"server.write_timeout":  "10s",
	"database.max_conns":    10,
	"database.min_conns":    2,
	"database.conn_timeout": "5s",
	"log.level":             "info",
	"log.format":            "text",
	"metrics.path":          "/metrics",
	"metrics.port":          9100,
	"airbyte.api_root":      config.CloudAPIRoot,
	"airbyte.timeout":       "30s",
}

// peerValidate is the validator of the peers, made once as a program
// would, with the three rules of CloudClientConfig that are not built in.
var peerValidate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	if err := v.RegisterValidation("secret_trimmed",
		func(fl validator.FieldLevel) bool {
			s, ok := fl.Field().Interface().(secret.String)
			if !ok {
				return true
			}
			plain := s.Reveal()
			return strings.TrimFunc(plain, unicode.IsSpace) == plain
		}); err != nil {
		panic(err)
	}
	if err := v.RegisterValidation("secret_text",
		func(fl validator.FieldLevel) bool {
			s, ok := fl.Field().Interface().(secret.String)
			if !ok {
				return true
			}
			plain := s.Reveal()
			return utf8.ValidString(plain) &&
				strings.IndexFunc(plain, unicode.IsControl) < 0
		}); err != nil {
		panic(err)
	}
	if err := v.RegisterValidation("api_url",
		func(fl validator.FieldLevel) bool {
			return loader.URLProblem(fl.Field().String()) == ""
		}); err != nil {
		panic(err)
	}
	return v
}()

// viper, wired as a careful user would: defaults, every key bound to its
// variables (AutomaticEnv alone does not reach Unmarshal), the first file
// read and the others merged in, then Unmarshal with the yaml tags and a
// hook for secret.String, then the validator.

func viperAirbyte(files []string) (any, error) {
	var c config.CloudClientConfig
	if err := viperLoad(&c, files, airbyteKeys, airbyteDefaults,
		"AIRBYTE_CLOUD"); err != nil {
		return nil, err
	}
	return &c, nil
}

func viperApp(files []string) (any, error) {
	var a App
	if err := viperLoad(&a, files, appKeys, appDefaults,
		appEnvPrefix); err != nil {
		return nil, err
	}
	return &a, nil
}

func viperLoad(dst any, files []string, keys []key,
	defaults map[string]any, prefix string) error {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	v.SetEnvPrefix(prefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	for _, k := range keys {
		if err := v.BindEnv(append([]string{k.name}, k.env...)...); err != nil {
			return err
		}
	}

	for i, path := range files {
		v.SetConfigFile(path)
		read := v.MergeInConfig
		if i == 0 {
			read = v.ReadInConfig
		}
		if err := read(); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}

	if err := v.Unmarshal(dst, viperDecoding); err != nil {
		return err
	}
	return peerValidate.Struct(dst)
}

func viperDecoding(dc *mapstructure.DecoderConfig) {
	dc.TagName = "yaml"
	dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
		mapstructure.TextUnmarshallerHookFunc(),
		mapstructure.StringToTimeDurationHookFunc(),
		mapstructure.StringToSliceHookFunc(","),
	)
}

// koanf: defaults, each file, then the environment, each a layer; then
// Unmarshal with the yaml tags (its default hooks decode durations and
// TextUnmarshalers) and the validator. Its env provider maps one variable
// to one key, so these wirings read the first variable of each key and
// not the aliases after it.

func koanfAirbyte(files []string) (any, error) {
	var c config.CloudClientConfig
	if err := koanfLoad(&c, files, airbyteVars, airbyteDefaults,
		"AIRBYTE_"); err != nil {
		return nil, err
	}
	return &c, nil
}

func koanfApp(files []string) (any, error) {
	var a App
	if err := koanfLoad(&a, files, appVars, appDefaults, ""); err != nil {
		return nil, err
	}
	return &a, nil
}

// varKeys maps the first variable of each key to the key.
func varKeys(keys []key) map[string]string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k.env[0]] = k.name
	}
	return m
}

var (
	airbyteVars = varKeys(airbyteKeys)
	appVars     = varKeys(appKeys)
)

func koanfLoad(dst any, files []string, vars map[string]string,
	defaults map[string]any, prefix string) error {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(defaults, "."), nil); err != nil {
		return err
	}
	for _, path := range files {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
	envs := kenv.Provider(".", kenv.Opt{
		Prefix: prefix,
		TransformFunc: func(name, val string) (string, any) {
			if val == "" {
				return "", nil // empty means unset, as in cloudcfg
			}
			return vars[name], val
		},
	})
	if err := k.Load(envs, nil); err != nil {
		return err
	}

	err := k.UnmarshalWithConf("", dst, koanf.UnmarshalConf{Tag: "yaml"})
	if err != nil {
		return err
	}
	return peerValidate.Struct(dst)
}

// caarlos0/env, for the environment alone. Its env tag takes one variable
// and options, not aliases, so it reads a struct of its own with the same
// fields, converted to CloudClientConfig.

type airbyteEnv struct {
	ClientID          secret.String `env:"AIRBYTE_CLOUD_CLIENT_ID"`
	ClientSecret      secret.String `env:"AIRBYTE_CLOUD_CLIENT_SECRET"`
	BearerToken       secret.String `env:"AIRBYTE_CLOUD_BEARER_TOKEN"`
	APIRoot           string        `env:"AIRBYTE_CLOUD_API_URL" envDefault:"https://api.airbyte.com/v1"`
	ConfigAPIRoot     string        `env:"AIRBYTE_CLOUD_CONFIG_API_URL"`
	AllowInsecureHTTP bool          `env:"AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP"`
	CAFile            string        `env:"AIRBYTE_CLOUD_CA_FILE"`
	Timeout           time.Duration `env:"AIRBYTE_CLOUD_TIMEOUT" envDefault:"30s"`
}

func envAirbyte(files []string) (any, error) {
	if len(files) > 0 {
		return nil, fmt.Errorf("caarlos0/env reads no files")
	}
	var e airbyteEnv
	if err := env.Parse(&e); err != nil {
		return nil, err
	}
	c := config.CloudClientConfig(e)
	if err := peerValidate.Struct(&c); err != nil {
		return nil, err
	}
	return &c, nil
}
