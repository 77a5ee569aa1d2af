package loader_test

import (
	"bytes"
	"context"
	"errors"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

// fileCreds is a configuration with a secret that has a NAME_FILE form
// (APP_TOKEN_FILE) and a legacy alias that has none.
type fileCreds struct {
	Token secret.String `yaml:"token" env:"APP_TOKEN,APP_LEGACY_TOKEN"`
	Name  string        `yaml:"name" env:"APP_NAME"`
}

const maxSecret = 64 << 10

// writeFile writes content to name below dir with the given mode, which
// is set explicitly so that the umask does not matter.
func writeFileMode(t *testing.T, dir, name, content string,
	mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
	require.NoError(t, os.Chmod(path, mode))
	return path
}

// loadCreds loads fileCreds from environ alone, with a logger writing to
// logs when logs is not nil.
func loadCreds(t *testing.T, environ []string, logs *bytes.Buffer,
	opts ...loader.Option) (fileCreds, *loader.Report, error) {
	t.Helper()
	var c fileCreds
	all := []loader.Option{loader.WithEnviron(environ)}
	if logs != nil {
		all = append(all, loader.WithLogger(slog.New(
			slog.NewTextHandler(logs, nil))))
	}
	r, err := loader.Load(context.Background(), &c, append(all, opts...)...)
	return c, r, err
}

// problems returns the problems of a *loader.ValidationError.
func problems(t *testing.T, err error) []loader.Problem {
	t.Helper()
	var ve *loader.ValidationError
	require.True(t, errors.As(err, &ve),
		"want a *loader.ValidationError, got %T: %v", err, err)
	return ve.Problems
}

func TestSecretFileNewline(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{name: "no newline", content: "tok", want: "tok"},
		{name: "one newline dropped", content: "tok\n", want: "tok"},
		{name: "one CRLF dropped", content: "tok\r\n", want: "tok"},
		{name: "only one newline dropped", content: "tok\n\n",
			want: "tok\n"},
		{name: "only one CRLF dropped", content: "tok\r\n\r\n",
			want: "tok\r\n"},
		{name: "CRLF after LF", content: "tok\n\r\n", want: "tok\n"},
		{name: "lone CR kept", content: "tok\r", want: "tok\r"},
		{name: "spaces kept", content: " tok \n", want: " tok "},
		{name: "inner lines kept", content: "line1\nline2\n",
			want: "line1\nline2"},
		{name: "no BOM stripping", content: "\ufefftok\n",
			want: "\ufefftok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFileMode(t, t.TempDir(), "token", tt.content, 0o600)

			c, r, err := loadCreds(t, []string{"APP_TOKEN_FILE=" + path}, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Token.Reveal())
			src, ok := r.Source("token")
			require.True(t, ok)
			assert.Equal(t, "env APP_TOKEN_FILE ("+path+")", src.String())
		})
	}
}

func TestSecretFileEmpty(t *testing.T) {
	tests := []struct{ name, content string }{
		{"no bytes", ""}, {"a newline", "\n"}, {"a CRLF", "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFileMode(t, t.TempDir(), "token", tt.content, 0o600)

			_, _, err := loadCreds(t, []string{"APP_TOKEN_FILE=" + path}, nil)
			ps := problems(t, err)
			require.Len(t, ps, 1)
			assert.Equal(t, loader.RuleFile, ps[0].Rule)
			assert.Contains(t, ps[0].Message, "empty")
			assert.Equal(t, "token", ps[0].Key)
		})
	}
}

// kubeMount lays out a folder as the kubelet mounts a Secret: the data
// in a timestamped folder, "..data" pointing at it, and each key a
// symlink through "..data". It returns the folder.
func kubeMount(t *testing.T, files map[string]string, mode os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	swapMount(t, dir, "..2026_01_02_03_04_05.000000001", files, mode)
	for name := range files {
		require.NoError(t, os.Symlink(filepath.Join("..data", name),
			filepath.Join(dir, name)))
	}
	return dir
}

// swapMount writes a new timestamped folder and points "..data" at it,
// as the kubelet does when a Secret changes.
func swapMount(t *testing.T, dir, stamp string, files map[string]string,
	mode os.FileMode) {
	t.Helper()
	for name, content := range files {
		writeFileMode(t, filepath.Join(dir, stamp), name, content, mode)
	}
	tmp := filepath.Join(dir, "..data_tmp")
	require.NoError(t, os.Symlink(stamp, tmp))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
}

func TestSecretFileKubernetesSymlinks(t *testing.T) {
	dir := kubeMount(t, map[string]string{"token": "first\n"}, 0o400)
	path := filepath.Join(dir, "token")
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeSymlink, "the key is a symlink")

	var logs bytes.Buffer
	c, r, err := loadCreds(t, []string{"APP_TOKEN_FILE=" + path}, &logs)
	require.NoError(t, err)
	assert.Equal(t, "first", c.Token.Reveal())
	src, _ := r.Source("token")
	assert.Equal(t, "env APP_TOKEN_FILE ("+path+")", src.String())
	assert.Empty(t, logs.String(),
		"a 0400 target behind 0777 symlinks is not world-readable")

	// A rotated Secret: the same path now leads to the new value.
	swapMount(t, dir, "..2026_01_02_03_09_05.000000002",
		map[string]string{"token": "second\n"}, 0o400)
	c, _, err = loadCreds(t, []string{"APP_TOKEN_FILE=" + path}, &logs)
	require.NoError(t, err)
	assert.Equal(t, "second", c.Token.Reveal())
}

func TestSecretFileRefused(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "dir")
	require.NoError(t, os.Mkdir(sub, 0o700))
	require.NoError(t, os.Symlink(sub, filepath.Join(dir, "link-to-dir")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "nowhere"),
		filepath.Join(dir, "dangling")))
	writeFileMode(t, dir, "max", strings.Repeat("a", maxSecret), 0o600)
	writeFileMode(t, dir, "big", strings.Repeat("a", maxSecret+1), 0o600)
	writeFileMode(t, dir, "big-newline", strings.Repeat("a", maxSecret)+"\n",
		0o600)

	tests := []struct {
		name string
		path string
		msg  string // in the problem's message; "" when the load works
	}{
		{name: "directory", path: sub, msg: "not a regular file"},
		{name: "symlink to a directory",
			path: filepath.Join(dir, "link-to-dir"), msg: "not a regular file"},
		{name: "device", path: os.DevNull, msg: "not a regular file"},
		{name: "missing", path: filepath.Join(dir, "missing"),
			msg: "no such file"},
		{name: "dangling symlink", path: filepath.Join(dir, "dangling"),
			msg: "no such file"},
		{name: "64 KiB is fine", path: filepath.Join(dir, "max")},
		{name: "over 64 KiB", path: filepath.Join(dir, "big"),
			msg: "larger than 65536 bytes"},
		{name: "64 KiB and a newline", path: filepath.Join(dir, "big-newline"),
			msg: "larger than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == os.DevNull {
				if _, err := os.Stat(os.DevNull); err != nil {
					t.Skip("no null device here")
				}
			}
			c, _, err := loadCreds(t, []string{"APP_TOKEN_FILE=" + tt.path},
				nil)
			if tt.msg == "" {
				require.NoError(t, err)
				assert.Equal(t, maxSecret, c.Token.Len())
				return
			}
			ps := problems(t, err)
			require.Len(t, ps, 1)
			p := ps[0]
			assert.Equal(t, loader.RuleFile, p.Rule)
			assert.Equal(t, "token", p.Key)
			assert.Contains(t, p.Message, tt.msg)
			require.NotNil(t, p.Source)
			assert.Equal(t, "env APP_TOKEN_FILE ("+tt.path+")",
				p.Source.String())
			assert.False(t, c.Token.IsSet())
		})
	}
}

func TestSecretFileBothForms(t *testing.T) {
	path := writeFileMode(t, t.TempDir(), "token", "from-file\n", 0o600)
	fromFile := "env APP_TOKEN_FILE (" + path + ")"

	tests := []struct {
		name    string
		environ []string
		want    string // the token, "" for unset
		src     string // its source
		both    bool   // a both_forms problem, and no token
	}{
		{name: "both set is an error", both: true,
			environ: []string{"APP_TOKEN=plain", "APP_TOKEN_FILE=" + path}},
		{name: "empty X beside X_FILE is fine",
			environ: []string{"APP_TOKEN=", "APP_TOKEN_FILE=" + path},
			want:    "from-file", src: fromFile},
		{name: "empty X_FILE beside X is fine",
			environ: []string{"APP_TOKEN=plain", "APP_TOKEN_FILE="},
			want:    "plain", src: "env APP_TOKEN"},
		{name: "X_FILE wins over the legacy alias",
			environ: []string{"APP_LEGACY_TOKEN=alias",
				"APP_TOKEN_FILE=" + path},
			want: "from-file", src: fromFile},
		{name: "the legacy alias has no _FILE form",
			environ: []string{"APP_LEGACY_TOKEN_FILE=" + path}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r, err := loadCreds(t, tt.environ, nil)
			if tt.both {
				ps := problems(t, err)
				require.Len(t, ps, 1)
				assert.Equal(t, loader.RuleBothForms, ps[0].Rule)
				assert.Contains(t, ps[0].Message,
					"APP_TOKEN and APP_TOKEN_FILE")
				assert.NotContains(t, ps[0].String(), "plain")
				assert.NotContains(t, ps[0].String(), "from-file")
				assert.False(t, c.Token.IsSet())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Token.Reveal())
			src, ok := r.Source("token")
			assert.Equal(t, tt.want != "", ok)
			if ok {
				assert.Equal(t, tt.src, src.String())
			}
		})
	}
}

// silenceDefaults points the default slog and log output at a buffer for
// the test, to prove the loader does not use them.
func silenceDefaults(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	prevSlog, prevLog := slog.Default(), log.Writer()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	log.SetOutput(&buf)
	t.Cleanup(func() {
		slog.SetDefault(prevSlog)
		log.SetOutput(prevLog)
	})
	return &buf
}

func TestSecretFileWorldReadable(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode
		warn bool
	}{
		{name: "0644 is reported", mode: 0o644, warn: true},
		{name: "0604 is reported", mode: 0o604, warn: true},
		{name: "0640 is not", mode: 0o640},
		{name: "0600 is not", mode: 0o600},
		{name: "0400 is not", mode: 0o400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFileMode(t, dir, "token", "file-secret-9c2e\n", tt.mode)
			link := filepath.Join(dir, "link")
			require.NoError(t, os.Symlink(path, link))

			for _, p := range []string{path, link} {
				var logs bytes.Buffer
				_, _, err := loadCreds(t, []string{"APP_TOKEN_FILE=" + p},
					&logs)
				require.NoError(t, err)
				out := logs.String()
				assert.NotContains(t, out, "file-secret-9c2e")
				if !tt.warn {
					assert.Empty(t, out, "path %s", p)
					continue
				}
				assert.Contains(t, out, "level=WARN")
				assert.Contains(t, out, "readable by every user")
				assert.Contains(t, out, "chmod 600")
				assert.Contains(t, out, "key=token")
				assert.Contains(t, out, "APP_TOKEN_FILE ("+p+")")
			}

			// Without a logger the loader says nothing, anywhere.
			defaults := silenceDefaults(t)
			_, _, err := loadCreds(t, []string{"APP_TOKEN_FILE=" + path}, nil)
			require.NoError(t, err)
			assert.Empty(t, defaults.String())
		})
	}
}

func TestConfigFileWorldReadable(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		warn    bool
	}{
		{name: "secret in a 0644 file", content: "token: file-secret-9c2e\n",
			mode: 0o644, warn: true},
		{name: "secret in a 0600 file", content: "token: file-secret-9c2e\n",
			mode: 0o600},
		{name: "secret in a 0640 file", content: "token: file-secret-9c2e\n",
			mode: 0o640},
		{name: "no secret in a 0644 file", content: "name: app\n",
			mode: 0o644},
		{name: "null secret in a 0644 file", content: "token: null\n",
			mode: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFileMode(t, t.TempDir(), "app.yaml", tt.content, tt.mode)

			var logs bytes.Buffer
			_, _, err := loadCreds(t, nil, &logs, loader.WithFiles(path))
			require.NoError(t, err)
			out := logs.String()
			assert.NotContains(t, out, "file-secret-9c2e")
			if tt.warn {
				assert.Contains(t, out, "level=WARN")
				assert.Contains(t, out, "readable by every user")
				assert.Contains(t, out, "file="+path)
				assert.Contains(t, out, "key=token")
				assert.Contains(t, out, "line=1")
			} else {
				assert.Empty(t, out)
			}

			defaults := silenceDefaults(t)
			_, _, err = loadCreds(t, nil, nil, loader.WithFiles(path))
			require.NoError(t, err)
			assert.Empty(t, defaults.String())
		})
	}
}

func TestSecretFileFromDotenv(t *testing.T) {
	dir := t.TempDir()
	path := writeFileMode(t, dir, "token", "from-file\n", 0o600)
	env := writeFileMode(t, dir, "app.env",
		"# comment\nAPP_TOKEN_FILE="+path+"\n", 0o600)

	c, r, err := loadCreds(t, nil, nil, loader.WithDotenv(env))
	require.NoError(t, err)
	assert.Equal(t, "from-file", c.Token.Reveal())
	src, _ := r.Source("token")
	assert.Equal(t, "dotenv "+env+":2 ("+path+")", src.String())
}

func TestSecretFileFlag(t *testing.T) {
	dir := t.TempDir()
	path := writeFileMode(t, dir, "token", "from-flag\r\n", 0o600)
	kube := kubeMount(t, map[string]string{"token": "kube\n"}, 0o400)

	tests := []struct {
		name  string
		arg   string
		stdin string
		want  string
		src   string
		msg   string // in the problem; "" when the load works
	}{
		{name: "file", arg: path, want: "from-flag",
			src: "flag --token-file (" + path + ")"},
		{name: "symlinked file", arg: filepath.Join(kube, "token"),
			want: "kube",
			src:  "flag --token-file (" + filepath.Join(kube, "token") + ")"},
		{name: "stdin", arg: "-", stdin: "piped\n", want: "piped",
			src: "flag --token-file (-)"},
		{name: "stdin keeps all but one newline", arg: "-",
			stdin: "piped\n\n", want: "piped\n", src: "flag --token-file (-)"},
		{name: "empty stdin", arg: "-", msg: "standard input is empty"},
		{name: "stdin over 64 KiB", arg: "-",
			stdin: strings.Repeat("a", maxSecret+1),
			msg:   "larger than 65536 bytes"},
		{name: "directory", arg: dir, msg: "not a regular file"},
		{name: "empty path counts as unset", arg: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c fileCreds
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			require.NoError(t, loader.BindFlags(fs, &c))
			require.NoError(t, fs.Parse([]string{"--token-file=" + tt.arg}))

			r, err := loader.Load(context.Background(), &c,
				loader.WithEnviron(nil), loader.WithFlags(fs),
				loader.WithStdin(strings.NewReader(tt.stdin)))
			if tt.msg != "" {
				ps := problems(t, err)
				require.Len(t, ps, 1)
				assert.Equal(t, loader.RuleFile, ps[0].Rule)
				assert.Contains(t, ps[0].Message, tt.msg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Token.Reveal())
			src, ok := r.Source("token")
			assert.Equal(t, tt.want != "", ok)
			if ok {
				assert.Equal(t, tt.src, src.String())
			}
		})
	}
}

func TestSecretFileFlagFix(t *testing.T) {
	var c fileCreds
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	require.NoError(t, loader.BindFlags(fs, &c))
	require.NoError(t, fs.Parse([]string{"--token-file", t.TempDir()}))

	_, err := loader.Load(context.Background(), &c,
		loader.WithEnviron(nil), loader.WithFlags(fs))
	ps := problems(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "point --token-file at a readable regular file",
		ps[0].Fix)
}

func TestSecretFileFlagStdinOnce(t *testing.T) {
	var c struct {
		ID     secret.String `yaml:"id" env:"APP_ID"`
		Secret secret.String `yaml:"secret" env:"APP_SECRET"`
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	require.NoError(t, loader.BindFlags(fs, &c))
	require.NoError(t, fs.Parse([]string{
		"--id-file", "-", "--secret-file", "-"}))

	_, err := loader.Load(context.Background(), &c,
		loader.WithEnviron(nil), loader.WithFlags(fs),
		loader.WithStdin(strings.NewReader("first-val\nsecond-val\n")))
	ps := problems(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "secret", ps[0].Key)
	assert.Equal(t, "standard input is already read by --id-file",
		ps[0].Message)
	assert.Equal(t, "flag --secret-file (-)", ps[0].Source.String())
	assert.NotContains(t, ps[0].String(), "-val")
}
