package loader_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// want is one expected problem: its rule, key and line in the fixture.
type want struct {
	rule string
	key  string
	line int
}

// badFixtures lists every testdata/*.bad.* file and the problems it must
// give, in order.
var badFixtures = map[string][]want{
	"four-problems.bad.yaml": {
		{loader.RuleDuplicate, "client_id", 3},
		{loader.RuleUnknown, "client_secrte", 4},
		{loader.RuleType, "timeout", 6},
		{"https", "api_root", 5},
	},
	"syntax.bad.yaml":    {{loader.RuleSyntax, "", 2}},
	"duplicate.bad.yaml": {{loader.RuleDuplicate, "api_root", 3}},
	"typo.bad.yaml": {
		{loader.RuleUnknown, "client_secrte", 2},
		{loader.RuleHalfUnit, "client_secret", 1},
	},
	"both-methods.bad.yaml": {{loader.RuleUnitMix, "bearer_token", 3}},
	"half.bad.yaml":         {{loader.RuleHalfUnit, "client_secret", 1}},
	"wrong-type.bad.yaml": {
		{loader.RuleType, "allow_insecure_http", 2},
		{loader.RuleType, "timeout", 3},
	},
	"whitespace.bad.yaml":  {{"secret_trimmed", "bearer_token", 1}},
	"bad-url.bad.yaml":     {{"api_url", "api_root", 2}},
	"not-mapping.bad.yaml": {{loader.RuleSyntax, "", 1}},
	"insecure.bad.yaml":    {{"https", "api_root", 2}},
	"url.bad.yaml": {
		{"api_url", "api_root", 2},
		{"api_url", "config_api_root", 3},
	},
	"empty-other.bad.yaml": {{loader.RuleType, "allow_insecure_http", 2}},
}

// TestFixtures loads every fixture: the good ones load, the bad ones give
// the problems badFixtures lists, each with the fixture's file and line
// and a fix, and no message shows a secret.
func TestFixtures(t *testing.T) {
	good, err := filepath.Glob("../testdata/*.good.*")
	require.NoError(t, err)
	require.NotEmpty(t, good)
	for _, path := range good {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, _, err := loadCloud(t, nil, loader.WithFiles(path))
			assert.NoError(t, err)
		})
	}

	bad, err := filepath.Glob("../testdata/*.bad.*")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, path := range bad {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			wants, ok := badFixtures[name]
			require.True(t, ok, "add %s to badFixtures", name)
			_, _, err := loadCloud(t, nil, loader.WithFiles(path))
			var ve *loader.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.NotContains(t, err.Error(), "SeKrEt")

			got := make([]want, len(ve.Problems))
			for i, p := range ve.Problems {
				got[i] = want{rule: p.Rule, key: p.Key}
				if assert.NotNil(t, p.Source, "source of %v", p) {
					assert.Equal(t, path, p.Source.Name)
					got[i].line = p.Source.Line
				}
				assert.NotEmpty(t, p.Message, "message of %v", p)
				assert.NotEmpty(t, p.Fix, "fix of %v", p)
			}
			assert.Equal(t, wants, got)
		})
	}
	for name := range badFixtures {
		assert.True(t, seen[name], "badFixtures lists %s, not in testdata",
			name)
	}
}

// TestFourProblems checks that one error reports all four problems of a
// file, each with its own source.
func TestFourProblems(t *testing.T) {
	path := "../testdata/four-problems.bad.yaml"
	_, r, err := loadCloud(t, nil, loader.WithFiles(path))
	require.NotNil(t, r, "the report comes with the error")
	var ve *loader.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 4)

	rules := map[string]bool{}
	for _, p := range ve.Problems {
		rules[p.Rule] = true
		require.NotNil(t, p.Source)
		assert.Equal(t, loader.SourceFile, p.Source.Kind)
		assert.Positive(t, p.Source.Line)
		assert.Contains(t, err.Error(), p.Source.Location()+": "+p.Key+": ")
	}
	assert.Len(t, rules, 4, "four different rules")
	assert.True(t, strings.HasPrefix(err.Error(), "config: 4 problems:\n"))
}

// TestFixes checks that fixes name the variable, the key and the file a
// user would edit.
func TestFixes(t *testing.T) {
	dir := t.TempDir()
	bearerFile := writeFile(t, dir, "bearer.yaml", "bearer_token: tok\n")
	idFile := writeFile(t, dir, "id.yaml", "timeout: 5s\nclient_id: id\n")

	tests := []struct {
		name    string
		environ []string
		files   []string
		rule    string
		key     string
		fix     []string // substrings of the fix
	}{
		{
			name:    "half credentials from the environment",
			environ: []string{"AIRBYTE_CLOUD_CLIENT_ID=id"},
			files:   []string{idFile},
			rule:    loader.RuleHalfUnit,
			key:     "client_secret",
			fix: []string{
				"set AIRBYTE_CLOUD_CLIENT_SECRET or client_secret in " + idFile,
				"unset AIRBYTE_CLOUD_CLIENT_ID",
			},
		},
		{
			name:  "half credentials in a file",
			files: []string{idFile},
			rule:  loader.RuleHalfUnit,
			key:   "client_secret",
			fix: []string{
				"set AIRBYTE_CLOUD_CLIENT_SECRET or client_secret in " + idFile,
				"remove client_id from " + idFile + ":2",
			},
		},
		{
			name:    "file bearer token and an env client id",
			environ: []string{"AIRBYTE_CLOUD_CLIENT_ID=id"},
			files:   []string{bearerFile},
			rule:    loader.RuleTwoUnits,
			key:     "client_id",
			fix: []string{
				"remove bearer_token from " + bearerFile + ":1 and set " +
					"AIRBYTE_CLOUD_CLIENT_SECRET or client_secret in " +
					bearerFile,
				"or unset AIRBYTE_CLOUD_CLIENT_ID",
			},
		},
		{
			name: "both methods in the environment",
			environ: []string{"AIRBYTE_CLOUD_BEARER_TOKEN=tok",
				"AIRBYTE_CLOUD_CLIENT_ID=id", "AIRBYTE_CLOUD_CLIENT_SECRET=s"},
			rule: loader.RuleUnitMix,
			key:  "bearer_token",
			fix: []string{"unset AIRBYTE_CLOUD_BEARER_TOKEN, or unset " +
				"AIRBYTE_CLOUD_CLIENT_ID and AIRBYTE_CLOUD_CLIENT_SECRET"},
		},
		{
			name:  "nothing set",
			files: []string{filepath.Join(dir, "empty.yaml")},
			rule:  loader.RuleNoUnit,
			fix: []string{"AIRBYTE_CLOUD_CLIENT_ID and " +
				"AIRBYTE_CLOUD_CLIENT_SECRET", "AIRBYTE_CLOUD_BEARER_TOKEN",
				"_FILE"},
		},
		{
			name: "wrong type in the environment",
			environ: []string{"AIRBYTE_CLOUD_BEARER_TOKEN=tok",
				"AIRBYTE_CLOUD_TIMEOUT=5"},
			rule: loader.RuleType,
			key:  "timeout",
			fix:  []string{"write AIRBYTE_CLOUD_TIMEOUT as a duration"},
		},
		{
			name: "both NAME and NAME_FILE",
			environ: []string{"AIRBYTE_CLOUD_BEARER_TOKEN=tok",
				"AIRBYTE_CLOUD_BEARER_TOKEN_FILE=/nonexistent"},
			rule: loader.RuleBothForms,
			key:  "bearer_token",
			fix:  []string{"unset one of them"},
		},
	}
	writeFile(t, dir, "empty.yaml", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadCloud(t, tt.environ,
				loader.WithFiles(tt.files...))
			var ve *loader.ValidationError
			require.ErrorAs(t, err, &ve)
			var p *loader.Problem
			for i := range ve.Problems {
				if ve.Problems[i].Rule == tt.rule {
					p = &ve.Problems[i]
				}
			}
			require.NotNil(t, p, "no %s problem in %v", tt.rule, err)
			assert.Equal(t, tt.key, p.Key)
			for _, s := range tt.fix {
				assert.Contains(t, p.Fix, s)
			}
			if tt.rule == loader.RuleNoUnit {
				assert.ErrorIs(t, err, config.ErrSecretNotFound)
			}
		})
	}
}

// TestKeysIgnoreCase checks that keys match without regard to case, and
// that a duplicate in another case names both lines.
func TestKeysIgnoreCase(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		message string // substring; "" for no problem
		fix     string
	}{
		{"upper case key", "BEARER_TOKEN: tok\nApi_Root: " +
			"https://a.example.com/v1\n", "", ""},
		{"same spelling", "bearer_token: a\nbearer_token: b\n",
			"set twice, at lines 1 and 2", "remove line 1 or line 2 of"},
		{"other case", "Client_ID: a\nclient_secret: s\nclient_id: b\n",
			`"Client_ID" at line 1 and "client_id" at line 3 are the same key`,
			"remove line 1 or line 3 of"},
		{"typo in upper case", "bearer_token: a\nAPI_ROOTT: x\n",
			`unknown key "API_ROOTT"`, `did you mean "api_root"?`},
		{"far from any key", "bearer_token: a\nregion: eu\n",
			`unknown key "region"`, "the keys known here are allow_insecure_http"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, "c"+string(rune('a'+i))+".yaml",
				tt.content)
			_, _, err := loadCloud(t, nil, loader.WithFiles(path))
			if tt.message == "" {
				require.NoError(t, err)
				return
			}
			var ve *loader.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Problems, 1, "%v", err)
			assert.Contains(t, ve.Problems[0].Message, tt.message)
			assert.Contains(t, ve.Problems[0].Fix, tt.fix)
		})
	}
}

// TestSyntaxErrorLines checks that YAML and TOML syntax errors give the
// file and line.
func TestSyntaxErrorLines(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file, content string
		line                int
	}{
		{"open quote on the first line", "a.yaml", `client_id: "abc`, 1},
		{"open quote later", "b.yaml", "a: 1\nb: 2\nc: \"x\nd: 4\n", 3},
		{"bad indentation", "c.yaml", "a: 1\nb: c\n  d: e\n", 3},
		{"tab", "d.yaml", "a: 1\n\tb: 2\n", 2},
		{"unknown anchor", "e.yaml", "a: 1\n\nb: *nope\n", 3},
		{"toml", "f.toml", "client_id = \"x\"\nbad = \n", 2},
		{"json", "g.json", "{\"client_id\": \"x\",\n \"b\": }\n", 2},
		{"json flow", "h.json", "{\"client_id\": \"x\",\n\n \"b\": \"c\" \"d\"}", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, tt.file, tt.content)
			_, _, err := loadCloud(t, nil, loader.WithFiles(path))
			var ve *loader.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Problems, 1, "%v", err)
			p := ve.Problems[0]
			assert.Equal(t, loader.RuleSyntax, p.Rule)
			require.NotNil(t, p.Source)
			assert.Equal(t, path, p.Source.Name)
			assert.Equal(t, tt.line, p.Source.Line, "%v", err)
			assert.Contains(t, p.Fix, path)
		})
	}
}

// TestEnvWarnings checks that unknown AIRBYTE_CLOUD_ variables give a
// warning with the nearest known name, and that the variables PyAirbyte
// reads for other purposes do not.
func TestEnvWarnings(t *testing.T) {
	_, r, err := loadCloud(t, []string{
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok",
		"AIRBYTE_CLOUD_CLIENT_SECRT=x",
		"AIRBYTE_CLOUD_WORKSPACE_ID=ws",
		"AIRBYTE_CLOUD_ORGANIZATION_ID=org",
		"AIRBYTE_CLOUD_CLIENT_ID_FILE=",
		"AIRBYTE_CLOUD_NOTHING_LIKE_IT=x",
		"AIRBYTE_OTHER=x",
	})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"AIRBYTE_CLOUD_CLIENT_SECRT is set but not read; " +
			"did you mean AIRBYTE_CLOUD_CLIENT_SECRET?",
		"AIRBYTE_CLOUD_NOTHING_LIKE_IT is set but not read",
	}, r.Warnings)
}

// TestProblemsHideSecrets checks that no problem shows a secret's value.
func TestProblemsHideSecrets(t *testing.T) {
	_, _, err := loadCloud(t, []string{
		"AIRBYTE_CLOUD_BEARER_TOKEN= tok-SeKrEt ",
		"AIRBYTE_CLOUD_CLIENT_ID=id-SeKrEt",
	})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SeKrEt")
	var ve *loader.ValidationError
	require.True(t, errors.As(err, &ve))
	for _, p := range ve.Problems {
		assert.NotContains(t, p.Fix+p.Message, "SeKrEt")
	}
}
