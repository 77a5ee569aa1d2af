package loader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cloudcfg/cloudcfg/secret"
)

// pairConfig is valid only when A and B match, so that a reader that saw
// half of one load and half of another would notice.
type pairConfig struct {
	A     string        `yaml:"a" validate:"required"`
	B     string        `yaml:"b" validate:"eqfield=A"`
	Name  string        `yaml:"name"`
	Token secret.String `yaml:"token" env:"PAIR_TOKEN"`
}

// watchDebounce is short enough to keep tests quick and long enough that
// the events of one change, on a busy machine, fall into one reload.
const watchDebounce = 150 * time.Millisecond

const watchCanary = "watchCanary-SeKrEt-7"

func writeWatched(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
}

// saveByRename writes text to a temporary file beside path and renames
// it over path, as many editors save.
func saveByRename(t *testing.T, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	writeWatched(t, tmp, text)
	require.NoError(t, os.Rename(tmp, path))
}

// lockedBuffer is a buffer that a logger may write from any goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (lb *lockedBuffer) Write(p []byte) (int, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.b.Write(p)
}

func (lb *lockedBuffer) String() string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.b.String()
}

func watchEnv(vars map[string]string) Option {
	return WithLookupEnv(func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	})
}

// startWatch watches a pairConfig and stops the watch, checking that no
// goroutine is left behind, when the test ends.
func startWatch(t *testing.T, opts ...Option) *Live[pairConfig] {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := Watch[pairConfig](ctx, opts...)
	if err != nil {
		cancel()
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		cancel()
		<-l.Done()
		goleak.VerifyNone(t, ignore)
	})
	return l
}

// settle waits until at least want reloads were started by file events
// and none has started for a while longer than the debounce, and returns
// how many there were.
func settle(t *testing.T, l *Live[pairConfig], want int64) int64 {
	t.Helper()
	last, since := int64(-1), time.Now()
	require.Eventually(t, func() bool {
		n := l.fired.Load()
		if n != last {
			last, since = n, time.Now()
			return false
		}
		return n >= want && time.Since(since) > 3*watchDebounce
	}, 20*time.Second, 10*time.Millisecond)
	return last
}

func TestWatchFirstLoadMustSucceed(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{"mismatch", "a: x\nb: y\n", "eqfield"},
		{"syntax", "a: [x\n", "config.yaml"},
		{"unknown key", "a: x\nb: x\nc: x\n", "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			path := filepath.Join(t.TempDir(), "config.yaml")
			writeWatched(t, path, tt.file)

			l, err := Watch[pairConfig](context.Background(),
				WithFiles(path), watchEnv(nil))
			require.Error(t, err)
			assert.Nil(t, l)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestWatchConcurrentReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeWatched(t, path, "a: v0\nb: v0\n")

	var rejected atomic.Int64
	// An hour of debounce: only Reload calls reload in this test.
	l := startWatch(t, WithFiles(path), watchEnv(nil), WithDebounce(time.Hour),
		WithReloadError(func(error) { rejected.Add(1) }))

	var notified atomic.Int64
	var order []string // the subscriber runs one call at a time
	l.Subscribe(func(old, new *Snapshot[pairConfig]) {
		notified.Add(1)
		if new.Generation != old.Generation+1 {
			order = append(order, fmt.Sprintf("generation %d after %d",
				new.Generation, old.Generation))
		}
	})

	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	bad := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := l.Current()
				s := l.Snapshot()
				reads.Add(1)
				switch {
				case c.A != c.B:
					bad <- fmt.Sprintf("torn value a=%q b=%q", c.A, c.B)
					return
				case !strings.HasPrefix(c.A, "v"):
					bad <- "invalid value " + c.A
					return
				case s.Generation < last:
					bad <- "generation went back"
					return
				}
				last = s.Generation
			}
		})
	}

	invalid := []string{
		"a: x\nb: y\n",       // the two keys differ
		"a: [x\n",            // does not parse
		"a: x\nb: x\nc: 1\n", // unknown key
	}
	var nBad int
	for i := 1; i <= 100; i++ {
		text := fmt.Sprintf("a: v%d\nb: v%d\n", i, i)
		if i%10 < 3 {
			text = invalid[nBad%len(invalid)]
			nBad++
		}
		writeWatched(t, path, text)
		err := l.Reload(ctx)
		if i%10 < 3 {
			require.Error(t, err, "reload %d", i)
		} else {
			require.NoError(t, err, "reload %d", i)
		}
	}
	close(stop)
	wg.Wait()
	close(bad)

	for msg := range bad {
		t.Error(msg)
	}
	assert.Empty(t, order)
	assert.Equal(t, 30, nBad)
	assert.EqualValues(t, 30, rejected.Load())
	assert.EqualValues(t, 70, notified.Load())
	assert.EqualValues(t, 71, l.Snapshot().Generation)
	assert.Equal(t, "v99", l.Current().A)
	assert.Positive(t, reads.Load())
}

func TestWatchSecondFileKeepsFirst(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.yaml")
	over := filepath.Join(dir, "over.yaml")
	writeWatched(t, base, "a: one\nb: one\nname: base\n")
	writeWatched(t, over, "name: first\n")

	l := startWatch(t, WithFiles(base, over), watchEnv(nil),
		WithDebounce(watchDebounce))
	require.Equal(t, "first", l.Current().Name)

	writeWatched(t, over, "name: second\n")
	require.Eventually(t, func() bool {
		return l.Current().Name == "second"
	}, 20*time.Second, 10*time.Millisecond)

	c := l.Current()
	assert.Equal(t, "one", c.A)
	assert.Equal(t, "one", c.B)
	src, ok := l.Snapshot().Report.Source("a")
	require.True(t, ok)
	assert.Equal(t, base, src.Name)
	src, _ = l.Snapshot().Report.Source("name")
	assert.Equal(t, over, src.Name)
}

func TestWatchRenameSaveReloadsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeWatched(t, path, "a: old\nb: old\n")
	l := startWatch(t, WithFiles(path), watchEnv(nil),
		WithDebounce(watchDebounce))

	saveByRename(t, path, "a: new\nb: new\n")

	assert.EqualValues(t, 1, settle(t, l, 1))
	assert.Equal(t, "new", l.Current().A)
	assert.EqualValues(t, 2, l.Snapshot().Generation)
}

// mountVolume lays out a folder as Kubernetes mounts a ConfigMap or a
// Secret: the files live in a timestamped folder, "..data" links to it,
// and each visible file links through "..data".
func mountVolume(t *testing.T, dir, stamp string, files map[string]string) {
	t.Helper()
	require.NoError(t, os.Mkdir(filepath.Join(dir, stamp), 0o755))
	for name, text := range files {
		writeWatched(t, filepath.Join(dir, stamp, name), text)
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); errors.Is(err, os.ErrNotExist) {
			require.NoError(t, os.Symlink(filepath.Join("..data", name), link))
		}
	}
}

// swapVolume updates a mounted volume as the kubelet does: a new
// timestamped folder, a new link renamed over "..data", the old folder
// removed.
func swapVolume(t *testing.T, dir, from, to string, files map[string]string) {
	t.Helper()
	mountVolume(t, dir, to, files)
	tmp := filepath.Join(dir, "..data_tmp")
	require.NoError(t, os.Symlink(to, tmp))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, from)))
}

func TestWatchKubernetesSwapReloadsOnce(t *testing.T) {
	dir := t.TempDir()
	mountVolume(t, dir, "..2026_01_01_00_00_00.1", map[string]string{
		"config.yaml": "a: old\nb: old\n",
		"token":       "token-one\n",
	})
	require.NoError(t, os.Symlink("..2026_01_01_00_00_00.1",
		filepath.Join(dir, "..data")))

	l := startWatch(t, WithFiles(filepath.Join(dir, "config.yaml")),
		watchEnv(map[string]string{
			"PAIR_TOKEN_FILE": filepath.Join(dir, "token")}),
		WithDebounce(watchDebounce))
	require.Equal(t, "old", l.Current().A)
	require.Equal(t, "token-one", l.Current().Token.Reveal())

	swapVolume(t, dir, "..2026_01_01_00_00_00.1", "..2026_01_01_00_01_00.2",
		map[string]string{
			"config.yaml": "a: new\nb: new\n",
			"token":       "token-two\n",
		})

	assert.EqualValues(t, 1, settle(t, l, 1))
	assert.Equal(t, "new", l.Current().A)
	assert.Equal(t, "token-two", l.Current().Token.Reveal())

	// The watch follows the new folder: a second swap is seen too.
	swapVolume(t, dir, "..2026_01_01_00_01_00.2", "..2026_01_01_00_02_00.3",
		map[string]string{
			"config.yaml": "a: third\nb: third\n",
			"token":       "token-three\n",
		})
	assert.EqualValues(t, 2, settle(t, l, 2))
	assert.Equal(t, "third", l.Current().A)
	assert.Equal(t, "token-three", l.Current().Token.Reveal())
}

func TestWatchKeepsLastGoodOnBadEdit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeWatched(t, path, "a: good\nb: good\n")
	errs := make(chan error, 16)
	l := startWatch(t, WithFiles(path), watchEnv(nil),
		WithDebounce(watchDebounce),
		WithReloadError(func(err error) { errs <- err }))

	saveByRename(t, path, "a: good\nb: bad\n")
	var err error
	require.Eventually(t, func() bool {
		select {
		case err = <-errs:
			return true
		default:
			return false
		}
	}, 20*time.Second, 10*time.Millisecond)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, err.Error(), "loader: reload rejected: ")
	assert.Equal(t, "good", l.Current().B)
	assert.EqualValues(t, 1, l.Snapshot().Generation)

	saveByRename(t, path, "a: fixed\nb: fixed\n")
	require.Eventually(t, func() bool {
		return l.Current().A == "fixed"
	}, 20*time.Second, 10*time.Millisecond)
}

func TestWatchDotenvAndSecretFile(t *testing.T) {
	dir := t.TempDir()
	dotenv := filepath.Join(dir, "app.env")
	tokenFile := filepath.Join(dir, "token")
	config := filepath.Join(dir, "config.yaml")
	writeWatched(t, config, "a: x\nb: x\n")
	writeWatched(t, dotenv, "PAIR_TOKEN_FILE="+tokenFile+"\n")
	writeWatched(t, tokenFile, "one\n")

	l := startWatch(t, WithFiles(config), WithDotenv(dotenv), watchEnv(nil),
		WithDebounce(watchDebounce))
	r := l.Snapshot().Report
	assert.Equal(t, []string{tokenFile}, r.SecretFiles)
	assert.Equal(t, dotenv, r.Dotenv)

	writeWatched(t, tokenFile, "two\n")
	require.Eventually(t, func() bool {
		return l.Current().Token.Reveal() == "two"
	}, 20*time.Second, 10*time.Millisecond)

	// The dotenv file now names another secret file: the watch moves
	// to it.
	other := filepath.Join(t.TempDir(), "token")
	writeWatched(t, other, "three\n")
	writeWatched(t, dotenv, "PAIR_TOKEN_FILE="+other+"\n")
	require.Eventually(t, func() bool {
		return l.Current().Token.Reveal() == "three"
	}, 20*time.Second, 10*time.Millisecond)

	writeWatched(t, other, "four\n")
	require.Eventually(t, func() bool {
		return l.Current().Token.Reveal() == "four"
	}, 20*time.Second, 10*time.Millisecond)
}

func TestWatchSearchedFileAppears(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.yaml")
	second := filepath.Join(dir, "second.yaml")
	writeWatched(t, second, "a: second\nb: second\n")

	// A folder that does not exist cannot be watched, and need not be.
	absent := filepath.Join(dir, "absent", "config.yaml")

	l := startWatch(t, WithSearch(first, absent, second), watchEnv(nil),
		WithDebounce(watchDebounce))
	require.Equal(t, "second", l.Current().A)
	require.Equal(t, []string{first, absent, second},
		l.Snapshot().Report.Searched)

	writeWatched(t, first, "a: first\nb: first\n")
	require.Eventually(t, func() bool {
		return l.Current().A == "first"
	}, 20*time.Second, 10*time.Millisecond)
}

func TestWatchSubscribers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeWatched(t, path, "a: x\nb: x\ntoken: "+watchCanary+"-1\n")
	l := startWatch(t, WithFiles(path), watchEnv(nil), WithDebounce(time.Hour))

	var printed strings.Builder
	var changed [][]string
	cancel := l.Subscribe(func(old, new *Snapshot[pairConfig]) {
		fmt.Fprintf(&printed, "%v %+v %#v\n", *old.Value, *new.Value,
			*new.Value)
		changed = append(changed, new.Changed(old))
	})
	ctx := context.Background()

	// Unchanged: nobody hears of it.
	require.NoError(t, l.Reload(ctx))
	assert.Empty(t, changed)

	writeWatched(t, path, "a: x\nb: x\ntoken: "+watchCanary+"-2\n")
	require.NoError(t, l.Reload(ctx))
	writeWatched(t, path, "a: y\nb: y\ntoken: "+watchCanary+"-2\n")
	require.NoError(t, l.Reload(ctx))
	// The same values on other lines: the sources changed.
	writeWatched(t, path, "b: y\na: y\ntoken: "+watchCanary+"-2\n")
	require.NoError(t, l.Reload(ctx))

	require.Equal(t, [][]string{{"token"}, {"a", "b"}, {"a", "b"}}, changed)
	assert.NotContains(t, printed.String(), watchCanary)
	assert.Contains(t, printed.String(), secret.Redacted)

	cancel()
	writeWatched(t, path, "a: z\nb: z\n")
	require.NoError(t, l.Reload(ctx))
	assert.Len(t, changed, 3)
	assert.Equal(t, "z", l.Current().A)
}

func TestWatchLogger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeWatched(t, path, "a: x\nb: x\n")
	var buf lockedBuffer
	l := startWatch(t, WithFiles(path), watchEnv(nil), WithDebounce(time.Hour),
		WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))

	writeWatched(t, path, "a: x\nb: y\n")
	require.Error(t, l.Reload(context.Background()))
	assert.Contains(t, buf.String(), "configuration reload rejected")
	assert.Contains(t, buf.String(), "eqfield")
}

func TestWatchStdinReadOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeWatched(t, path, "a: x\nb: x\n")
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	require.NoError(t, BindFlags(fs, &pairConfig{}))
	require.NoError(t, fs.Parse([]string{"--token-file", "-"}))

	l := startWatch(t, WithFiles(path), watchEnv(nil), WithDebounce(time.Hour),
		WithFlags(fs), WithStdin(strings.NewReader("piped\n")))
	writeWatched(t, path, "a: y\nb: y\n")
	require.NoError(t, l.Reload(context.Background()))
	assert.Equal(t, "y", l.Current().A)
	assert.Equal(t, "piped", l.Current().Token.Reveal())
}

func TestWatchStops(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeWatched(t, path, "a: x\nb: x\n")

	ctx, cancel := context.WithCancel(context.Background())
	l, err := Watch[pairConfig](ctx, WithFiles(path), watchEnv(nil),
		WithDebounce(watchDebounce))
	require.NoError(t, err)
	cancel()
	<-l.Done()

	// Current keeps the last value; Reload still works, unwatched.
	writeWatched(t, path, "a: y\nb: y\n")
	require.NoError(t, l.Reload(context.Background()))
	assert.Equal(t, "y", l.Current().A)
}

func TestWatchSetMatters(t *testing.T) {
	dir := t.TempDir()
	mountVolume(t, dir, "..v1", map[string]string{"token": "x\n"})
	require.NoError(t, os.Symlink("..v1", filepath.Join(dir, "..data")))
	other := t.TempDir()

	ws := watchSetOf(&Report{
		Files:       []string{filepath.Join(other, "config.yaml")},
		Dotenv:      filepath.Join(other, "app.env"),
		SecretFiles: []string{filepath.Join(dir, "token")},
	})
	tests := []struct {
		path string
		want bool
	}{
		{filepath.Join(other, "config.yaml"), true},
		{filepath.Join(other, "app.env"), true},
		{filepath.Join(other, ".config.yaml.swp"), false},
		{filepath.Join(other, "config.yaml~"), false},
		{filepath.Join(other, "..data"), true},
		{filepath.Join(dir, "token"), true},
		{filepath.Join(dir, "..data"), true},
		{filepath.Join(dir, "..data_tmp"), false},
		{filepath.Join(dir, "..v1", "token"), true}, // the link's target
		{filepath.Join(dir, "..v1", "other"), false},
		{filepath.Join(t.TempDir(), "config.yaml"), false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, ws.matters(tt.path))
		})
	}
}

// writeMkdir is writeWatched that makes the file's folder first.
func writeMkdir(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	writeWatched(t, path, text)
}

// TestWatchFolderChanges covers what happens to a file's folder rather
// than to the file: a symlinked folder swapped whole, a folder removed
// and made anew, and a searched folder that appears after the start.
func TestWatchFolderChanges(t *testing.T) {
	eventually := func(t *testing.T, l *Live[pairConfig], want string) {
		t.Helper()
		require.Eventually(t, func() bool {
			return l.Current().A == want
		}, 20*time.Second, 10*time.Millisecond)
	}

	t.Run("symlinked folder swapped", func(t *testing.T) {
		dir := t.TempDir()
		for _, v := range []string{"v1", "v2"} {
			writeMkdir(t, filepath.Join(dir, "releases", v, "c.yaml"),
				"a: "+v+"\nb: "+v+"\n")
		}
		current := filepath.Join(dir, "current")
		require.NoError(t, os.Symlink(filepath.Join("releases", "v1"),
			current))
		l := startWatch(t, WithFiles(filepath.Join(current, "c.yaml")),
			watchEnv(nil), WithDebounce(watchDebounce))
		require.Equal(t, "v1", l.Current().A)

		tmp := filepath.Join(dir, "current.tmp")
		require.NoError(t, os.Symlink(filepath.Join("releases", "v2"), tmp))
		require.NoError(t, os.Rename(tmp, current))
		eventually(t, l, "v2")

		// And the watch follows the new target.
		writeMkdir(t, filepath.Join(dir, "releases", "v2", "c.yaml"),
			"a: v2b\nb: v2b\n")
		eventually(t, l, "v2b")
	})

	t.Run("folder removed and made anew", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "conf")
		path := filepath.Join(dir, "c.yaml")
		writeMkdir(t, path, "a: one\nb: one\n")
		l := startWatch(t, WithFiles(path), watchEnv(nil),
			WithDebounce(watchDebounce), WithReloadError(func(error) {}))

		require.NoError(t, os.RemoveAll(dir))
		require.NoError(t, os.MkdirAll(dir, 0o700))
		writeMkdir(t, path, "a: two\nb: two\n")
		eventually(t, l, "two")

		writeMkdir(t, path, "a: three\nb: three\n")
		eventually(t, l, "three")
	})

	t.Run("searched folder appears", func(t *testing.T) {
		home := t.TempDir()
		fallback := filepath.Join(t.TempDir(), "fallback.yaml")
		writeMkdir(t, fallback, "a: fallback\nb: fallback\n")
		preferred := filepath.Join(home, "cloudcfg", "config.yaml")
		l := startWatch(t, WithSearch(preferred, fallback), watchEnv(nil),
			WithDebounce(watchDebounce))
		require.Equal(t, "fallback", l.Current().A)

		writeMkdir(t, preferred, "a: preferred\nb: preferred\n")
		eventually(t, l, "preferred")
	})
}
