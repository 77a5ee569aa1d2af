package loader_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

func TestParseDotenv(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  map[string]string
		lines map[string]int
	}{
		{name: "key and value", in: "KEY=value\n",
			want:  map[string]string{"KEY": "value"},
			lines: map[string]int{"KEY": 1}},
		{name: "no final newline", in: "KEY=value",
			want: map[string]string{"KEY": "value"}},
		{name: "spaces around", in: "  KEY = value  \n",
			want: map[string]string{"KEY": "value"}},
		{name: "empty value", in: "KEY=\n",
			want: map[string]string{"KEY": ""}},
		{name: "equals in value", in: "KEY==a=b\n",
			want: map[string]string{"KEY": "=a=b"}},
		{name: "export prefix", in: "export KEY=v\nexport\tTAB=w\n",
			want: map[string]string{"KEY": "v", "TAB": "w"}},
		{name: "export as a name", in: "export=1\nexported=2\n",
			want: map[string]string{"export": "1", "exported": "2"}},
		{name: "double quotes", in: `KEY="a b  c"`,
			want: map[string]string{"KEY": "a b  c"}},
		{name: "double quote escapes",
			in:   `KEY="l1\nl2\tx\r\"q\" back\\slash"`,
			want: map[string]string{"KEY": "l1\nl2\tx\r\"q\" back\\slash"}},
		{name: "single quotes are literal", in: `KEY='a\nb "c" # d'`,
			want: map[string]string{"KEY": `a\nb "c" # d`}},
		{name: "empty quotes", in: "A=\"\"\nB=''\n",
			want: map[string]string{"A": "", "B": ""}},
		{name: "comment lines", in: "# one\n  # two\nKEY=v\n#KEY=w\n",
			want:  map[string]string{"KEY": "v"},
			lines: map[string]int{"KEY": 3}},
		{name: "comment after a value", in: "A=v # note\nB=w\t# note\n",
			want: map[string]string{"A": "v", "B": "w"}},
		{name: "hash inside a value", in: "KEY=a#b\n",
			want: map[string]string{"KEY": "a#b"}},
		{name: "hash inside quotes", in: `KEY="a # b" # note`,
			want: map[string]string{"KEY": "a # b"}},
		{name: "comment after single quotes", in: `KEY='a # b' # note`,
			want: map[string]string{"KEY": "a # b"}},
		{name: "blank lines", in: "\n\nA=1\n   \n\t\nB=2\n\n",
			want:  map[string]string{"A": "1", "B": "2"},
			lines: map[string]int{"A": 3, "B": 6}},
		{name: "CRLF line ends", in: "A=1\r\nB=\"2\"\r\n",
			want: map[string]string{"A": "1", "B": "2"}},
		{name: "byte order mark", in: "\ufeffKEY=v\n",
			want: map[string]string{"KEY": "v"}},
		{name: "no expansion", in: "A=x\nB=${A}$A\n",
			want: map[string]string{"A": "x", "B": "${A}$A"}},
		{name: "nothing", in: "", want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, lines, err := loader.ParseDotenv("app.env",
				strings.NewReader(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, vals)
			for k, n := range tt.lines {
				assert.Equal(t, n, lines[k], "line of %s", k)
			}
		})
	}
}

func TestParseDotenvErrors(t *testing.T) {
	const secretText = "cAnArY-dotenv-5e0f"
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{name: "no equals sign", in: "A=1\nJUSTTEXT\n", line: 2,
			msg: "want KEY=value"},
		{name: "set twice", in: "KEY=first\nA=1\nKEY=second\n", line: 3,
			msg: "KEY is also set at line 1"},
		{name: "export without value", in: "export KEY\n", line: 1,
			msg: "want KEY=value"},
		{name: "name starts with a digit", in: "1KEY=v\n", line: 1,
			msg: "not valid"},
		{name: "space in the name", in: "\n\nBAD KEY=v\n", line: 3,
			msg: "not valid"},
		{name: "empty name", in: "=v\n", line: 1, msg: "not valid"},
		{name: "unclosed double quote", in: `KEY="open` + "\n", line: 1,
			msg: "no closing quote"},
		{name: "unclosed single quote", in: "KEY='open\n", line: 1,
			msg: "no closing quote"},
		{name: "text after the quote", in: `KEY="a" b`, line: 1,
			msg: "text after the closing quote"},
		{name: "a secret with a space for =",
			in:   "# creds\nAIRBYTE_CLOUD_CLIENT_SECRET " + secretText + "\n",
			line: 2, msg: "want KEY=value"},
		{name: "a secret in a broken quote",
			in:   `AIRBYTE_CLOUD_CLIENT_SECRET="` + secretText + "\n",
			line: 1, msg: "no closing quote"},
		{name: "a secret after the quote",
			in:   `AIRBYTE_CLOUD_CLIENT_SECRET="x"` + secretText + "\n",
			line: 1, msg: "text after the closing quote"},
		{name: "a secret in the name",
			in:   secretText + "=x\n",
			line: 1, msg: "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loader.ParseDotenv("conf/app.env",
				strings.NewReader(tt.in))
			require.Error(t, err)
			var de *loader.DotenvError
			require.True(t, errors.As(err, &de), "got %T", err)
			assert.Equal(t, "conf/app.env", de.Path)
			assert.Equal(t, tt.line, de.Line)
			assert.Contains(t, de.Msg, tt.msg)
			prefix := "conf/app.env:" + strconv.Itoa(tt.line) + ": "
			assert.True(t, strings.HasPrefix(err.Error(), prefix),
				"%q does not start with %q", err, prefix)
			assert.NotContains(t, err.Error(), secretText)
		})
	}
}

func TestDotenvLoad(t *testing.T) {
	tests := []struct {
		name     string
		dotenv   string
		environ  []string
		wantName string            // the name key's value
		src      map[string]string // key -> source
		shadow   []string          // "key: source by source"
	}{
		{name: "dotenv fills in", dotenv: "APP_TOKEN=dot\nAPP_NAME=n\n",
			wantName: "n",
			src: map[string]string{"token": "dotenv $D:1",
				"name": "dotenv $D:2"}},
		{name: "the environment wins",
			dotenv:   "APP_TOKEN=dot\nAPP_NAME=dotname\n",
			environ:  []string{"APP_TOKEN=env", "APP_NAME=envname"},
			wantName: "envname",
			src: map[string]string{"token": "env APP_TOKEN",
				"name": "env APP_NAME"},
			shadow: []string{
				"name: dotenv $D:2 by env APP_NAME",
				"token: dotenv $D:1 by env APP_TOKEN"}},
		{name: "an empty variable is unset",
			dotenv: "APP_TOKEN=dot\n", environ: []string{"APP_TOKEN="},
			src: map[string]string{"token": "dotenv $D:1"}},
		{name: "an environment alias beats a dotenv name",
			dotenv:  "APP_TOKEN=dot\n",
			environ: []string{"APP_LEGACY_TOKEN=legacy"},
			src:     map[string]string{"token": "env APP_LEGACY_TOKEN"},
			shadow:  []string{"token: dotenv $D:1 by env APP_LEGACY_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFileMode(t, t.TempDir(), "app.env", tt.dotenv, 0o600)
			c, r, err := loadCreds(t, tt.environ, nil,
				loader.WithDotenv(path))
			require.NoError(t, err)
			assert.Equal(t, tt.wantName, c.Name)
			for key, want := range tt.src {
				src, ok := r.Source(key)
				require.True(t, ok, "%s is set", key)
				assert.Equal(t, strings.ReplaceAll(want, "$D", path),
					src.String(), "source of %s", key)
			}
			var shadows []string
			for _, sh := range r.Shadowed {
				shadows = append(shadows, sh.Key+": "+sh.Source.String()+
					" by "+sh.By.String())
				if sh.Secret {
					assert.Equal(t, "[REDACTED]", sh.Value)
				}
			}
			for i := range tt.shadow {
				tt.shadow[i] = strings.ReplaceAll(tt.shadow[i], "$D", path)
			}
			assert.ElementsMatch(t, tt.shadow, shadows)
			assert.Equal(t, path, r.Dotenv)
		})
	}
}

func TestDotenvTokenValues(t *testing.T) {
	path := writeFileMode(t, t.TempDir(), "app.env",
		"APP_TOKEN=dot\n", 0o600)

	c, _, err := loadCreds(t, nil, nil, loader.WithDotenv(path))
	require.NoError(t, err)
	assert.Equal(t, "dot", c.Token.Reveal())

	c, _, err = loadCreds(t, []string{"APP_TOKEN=env"}, nil,
		loader.WithDotenv(path))
	require.NoError(t, err)
	assert.Equal(t, "env", c.Token.Reveal(), "dotenv never overrides")
}

func TestDotenvLeavesProcessEnvironment(t *testing.T) {
	t.Setenv("APP_NAME", "from-process")
	path := writeFileMode(t, t.TempDir(), "app.env",
		"APP_TOKEN=dot\nexport APP_NAME=dotname\nAPP_OTHER=x\n", 0o600)
	before := os.Environ()
	slices.Sort(before)

	var c fileCreds
	_, err := loader.Load(context.Background(), &c,
		loader.WithDotenv(path))
	require.NoError(t, err)

	after := os.Environ()
	slices.Sort(after)
	assert.Equal(t, before, after)
	_, ok := os.LookupEnv("APP_TOKEN")
	assert.False(t, ok, "APP_TOKEN must not be set in the process")
	assert.Equal(t, "from-process", os.Getenv("APP_NAME"))
	assert.Equal(t, "from-process", c.Name)
	assert.Equal(t, "dot", c.Token.Reveal())
}

func TestDotenvMalformed(t *testing.T) {
	const secretText = "cAnArY-dotenv-5e0f"
	path := writeFileMode(t, t.TempDir(), "app.env",
		"APP_NAME=n\n# the token\nAPP_TOKEN '"+secretText+"'\n", 0o600)

	_, r, err := loadCreds(t, nil, nil, loader.WithDotenv(path))
	ps := problems(t, err)
	require.Len(t, ps, 1)
	p := ps[0]
	assert.Equal(t, loader.RuleSyntax, p.Rule)
	require.NotNil(t, p.Source)
	assert.Equal(t, loader.SourceDotenv, p.Source.Kind)
	assert.Equal(t, 3, p.Source.Line)
	assert.True(t, strings.HasPrefix(err.Error(), "config: "+path+":3: "),
		"error %q names path:line", err)
	assert.NotContains(t, err.Error(), secretText)
	require.NotNil(t, r)
}

func TestDotenvMissing(t *testing.T) {
	path := t.TempDir() + "/missing.env"
	_, _, err := loadCreds(t, nil, nil, loader.WithDotenv(path))
	ps := problems(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, loader.RuleFile, ps[0].Rule)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "no such file")
}

func TestDotenvAliases(t *testing.T) {
	tests := []struct {
		name    string
		dotenv  string
		environ []string
		wantID  string
		src     string
	}{
		{name: "new name wins, alias first",
			dotenv: "AIRBYTE_CLIENT_ID=legacy\n" +
				"AIRBYTE_CLOUD_CLIENT_ID=cloud\n",
			wantID: "cloud", src: "dotenv $D:2"},
		{name: "new name wins, alias last",
			dotenv: "AIRBYTE_CLOUD_CLIENT_ID=cloud\n" +
				"AIRBYTE_CLIENT_ID=legacy\n",
			wantID: "cloud", src: "dotenv $D:1"},
		{name: "alias alone counts",
			dotenv: "AIRBYTE_CLIENT_ID=legacy\n",
			wantID: "legacy", src: "dotenv $D:1"},
		{name: "empty new name leaves the alias",
			dotenv: "AIRBYTE_CLOUD_CLIENT_ID=\n" +
				"AIRBYTE_CLIENT_ID=legacy\n",
			wantID: "legacy", src: "dotenv $D:2"},
		{name: "in the environment too",
			environ: []string{"AIRBYTE_CLIENT_ID=legacy",
				"AIRBYTE_CLOUD_CLIENT_ID=cloud"},
			wantID: "cloud", src: "env AIRBYTE_CLOUD_CLIENT_ID"},
		{name: "an environment alias beats the dotenv file",
			dotenv:  "AIRBYTE_CLOUD_CLIENT_ID=cloud\n",
			environ: []string{"AIRBYTE_CLIENT_ID=legacy"},
			wantID:  "legacy", src: "env AIRBYTE_CLIENT_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			environ := append([]string{"AIRBYTE_CLOUD_CLIENT_SECRET=s"},
				tt.environ...)
			opts := []loader.Option{loader.WithEnviron(environ)}
			path := ""
			if tt.dotenv != "" {
				path = writeFileMode(t, t.TempDir(), ".env", tt.dotenv, 0o600)
				opts = append(opts, loader.WithDotenv(path))
			}

			var c config.CloudClientConfig
			r, err := loader.Load(context.Background(), &c, opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.wantID, c.ClientID.Reveal())
			src, _ := r.Source("client_id")
			assert.Equal(t, strings.ReplaceAll(tt.src, "$D", path),
				src.String())
		})
	}
}

func TestDotenvWorldReadable(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		warn    bool
	}{
		{name: "secret in a 0644 file", mode: 0o644, warn: true,
			content: "APP_NAME=n\nAPP_TOKEN=dotenv-secret-4b1a\n"},
		{name: "secret in a 0600 file", mode: 0o600,
			content: "APP_TOKEN=dotenv-secret-4b1a\n"},
		{name: "secret in a 0640 file", mode: 0o640,
			content: "APP_TOKEN=dotenv-secret-4b1a\n"},
		{name: "no secret in a 0644 file", mode: 0o644,
			content: "APP_NAME=n\n"},
		{name: "empty secret in a 0644 file", mode: 0o644,
			content: "APP_TOKEN=\n"},
		{name: "secret file path in a 0644 file", mode: 0o644,
			content: "APP_TOKEN_FILE=$TOKEN\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tok := writeFileMode(t, dir, "token", "dotenv-secret-4b1a", 0o600)
			path := writeFileMode(t, dir, "app.env",
				strings.ReplaceAll(tt.content, "$TOKEN", tok), tt.mode)

			var logs bytes.Buffer
			_, _, err := loadCreds(t, nil, &logs, loader.WithDotenv(path))
			require.NoError(t, err)
			out := logs.String()
			assert.NotContains(t, out, "dotenv-secret-4b1a")
			if !tt.warn {
				assert.Empty(t, out)
			} else {
				assert.Contains(t, out, "level=WARN")
				assert.Contains(t, out, "dotenv file holding a secret is "+
					"readable by every user")
				assert.Contains(t, out, "file="+path)
				assert.Contains(t, out, "key=token")
				assert.Contains(t, out, "line=2")
			}

			defaults := silenceDefaults(t)
			_, _, err = loadCreds(t, nil, nil, loader.WithDotenv(path))
			require.NoError(t, err)
			assert.Empty(t, defaults.String())
		})
	}
}
