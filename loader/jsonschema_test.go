package loader_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

// compileSchema generates the schema of dst and compiles it, which checks
// it against the 2020-12 meta-schema.
func compileSchema(t *testing.T, dst any, opts ...loader.Option) (
	*jsonschema.Schema, map[string]any) {
	t.Helper()
	b, err := loader.JSONSchema(dst, opts...)
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))

	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("schema.json", doc))
	sch, err := c.Compile("schema.json")
	require.NoError(t, err)
	return sch, raw
}

// yamlInstance reads a YAML text as the JSON value a schema checks.
func yamlInstance(t *testing.T, text string) any {
	t.Helper()
	var v any
	require.NoError(t, yaml.Unmarshal([]byte(text), &v))
	b, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return inst
}

// TestJSONSchemaFixtures checks the schema of CloudClientConfig against
// the fixtures: it accepts the good ones and refuses the bad ones that a
// schema can tell apart.
func TestJSONSchemaFixtures(t *testing.T) {
	sch, _ := compileSchema(t, &config.CloudClientConfig{})

	// The bad fixtures whose problem is in the file alone and has a
	// schema form; the others need the other layers, or are YAML errors.
	refused := map[string]bool{
		"four-problems.bad.yaml": true, // unknown key, wrong type
		"typo.bad.yaml":          true, // unknown key
		"both-methods.bad.yaml":  true, // two methods in one file
		"wrong-type.bad.yaml":    true,
		"whitespace.bad.yaml":    true,
		"bad-url.bad.yaml":       true,
		"not-mapping.bad.yaml":   true,
		"duplicate.bad.yaml":     true, // API_Root is not lower case
		"url.bad.yaml":           true,
		"empty-other.bad.yaml":   true, // "" for a boolean
		"half.bad.yaml":          false,
		"insecure.bad.yaml":      false, // http: a rule across keys
	}
	paths, err := filepath.Glob("../testdata/*.yaml")
	require.NoError(t, err)
	for _, path := range paths {
		name := filepath.Base(path)
		if name == "syntax.bad.yaml" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			err = sch.Validate(yamlInstance(t, string(data)))
			if refused[name] {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

// TestJSONSchemaRules checks the rules the schema states, one document
// at a time.
func TestJSONSchemaRules(t *testing.T) {
	sch, _ := compileSchema(t, &config.CloudClientConfig{})
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"empty file", "{}", true},
		{"null values count as unset", "bearer_token: t\nclient_id: null\n" +
			"client_secret: ''\ntimeout: null\n", true},
		{"creds and a bearer token", "client_id: a\nclient_secret: b\n" +
			"bearer_token: c\n", false},
		{"bearer token and half the creds", "bearer_token: c\n" +
			"client_secret: b\n", false},
		{"half the creds alone", "client_id: a\n", true},
		{"duration", "timeout: 1m30s\n", true},
		{"zero duration", "timeout: 0s\n", false},
		{"negative duration", "timeout: -5s\n", false},
		{"number for a duration", "timeout: 30\n", false},
		{"empty duration", "timeout: ''\n", false},
		{"http URL", "api_root: http://localhost:8000/api/public/v1\n", true},
		{"URL with user info", "api_root: https://u@x.example.com/v1\n",
			false},
		{"URL with a fragment", "api_root: https://x.example.com/v1#a\n",
			false},
		{"relative URL", "api_root: /v1\n", false},
		{"secret with a trailing space", "bearer_token: 'tok '\n", false},
		{"boolean", "allow_insecure_http: true\n", true},
		{"string for a boolean", "allow_insecure_http: 'yes'\n", false},
		{"unknown key", "region: eu\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sch.Validate(yamlInstance(t, tt.doc))
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

type schemaApp struct {
	Name    string        `yaml:"name" default:"app" doc:"Display name."`
	Level   string        `yaml:"level" validate:"omitempty,oneof=debug info"`
	Workers int           `yaml:"workers" default:"4" validate:"gte=1,lte=64"`
	Ratio   float64       `yaml:"ratio" validate:"gt=0"`
	Tags    []string      `yaml:"tags"`
	Wait    time.Duration `yaml:"wait" default:"1s"`
	DB      struct {
		DSN      secret.String `yaml:"dsn"`
		Password secret.String `yaml:"password" unit:"auth.password"`
		User     string        `yaml:"user" unit:"auth.password"`
		Token    secret.String `yaml:"token" unit:"auth.token"`
	} `yaml:"db"`
}

// TestJSONSchemaGeneric checks the schema of a struct with a nested
// section, numbers, lists and an exclusive set inside the section.
func TestJSONSchemaGeneric(t *testing.T) {
	sch, raw := compileSchema(t, &schemaApp{}, loader.WithEnvPrefix("APP"))
	assert.Equal(t, loader.SchemaDialect, raw["$schema"])
	assert.Equal(t, false, raw["additionalProperties"])

	props := raw["properties"].(map[string]any)
	workers := props["workers"].(map[string]any)
	assert.Equal(t, 4.0, workers["default"])
	assert.Equal(t, 1.0, workers["minimum"])
	assert.Equal(t, 64.0, workers["maximum"])
	assert.Equal(t, "1s", props["wait"].(map[string]any)["default"])
	assert.Contains(t, props["name"].(map[string]any)["description"],
		"Display name. Environment: APP_NAME.")

	db := props["db"].(map[string]any)
	assert.Equal(t, false, db["additionalProperties"])
	dsn := db["properties"].(map[string]any)["dsn"].(map[string]any)
	assert.Equal(t, true, dsn["writeOnly"])
	assert.Equal(t, "password", dsn["format"])
	assert.Contains(t, dsn["description"], "APP_DB_DSN_FILE")

	tests := []struct {
		doc string
		ok  bool
	}{
		{"name: x\nworkers: 8\nratio: 0.5\ntags: [a, b]\nlevel: info\n", true},
		{"workers: 0\n", false},
		{"workers: 1.5\n", false},
		{"ratio: 0\n", false},
		{"level: trace\n", false},
		{"tags: a\n", false},
		{"db: null\n", true},
		{"db:\n  user: u\n  password: p\n", true},
		{"db:\n  token: t\n", true},
		{"db:\n  user: u\n  token: t\n", false},
		{"db:\n  user: u\n  password: p\n  token: t\n", false},
		{"db:\n  host: h\n", false},
		{"user: u\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			err := sch.Validate(yamlInstance(t, tt.doc))
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

func TestJSONSchemaNotAStruct(t *testing.T) {
	_, err := loader.JSONSchema(config.CloudClientConfig{})
	assert.Error(t, err)
}
