package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/cloudcfg/cloudcfg/secret"
)

// DefaultDebounce is how long Watch waits after the last change to a
// watched file before it reloads, so that a burst of events (an editor's
// save, a Kubernetes volume update) gives one reload.
const DefaultDebounce = 100 * time.Millisecond

// k8sData is the symlink that Kubernetes swaps to update a mounted
// ConfigMap or Secret at once.
const k8sData = "..data"

// watchOptions are the options of Watch that Load does not use.
type watchOptions struct {
	debounce time.Duration
	onError  func(error)
}

// WithDebounce sets how long Watch waits after the last change to a
// watched file before it reloads; DefaultDebounce when unset or not
// positive. Load ignores it.
func WithDebounce(d time.Duration) Option {
	return optionFunc(func(o *options) { o.watch.debounce = d })
}

// WithReloadError sets a function that hears of every reload that Watch
// rejected, with the reason, and of every error in watching the files.
// It takes the place of the logger for those reports. It is called on the
// goroutine that reloads, one call at a time, and must not call Reload.
// Load ignores it.
func WithReloadError(fn func(error)) Option {
	return optionFunc(func(o *options) { o.watch.onError = fn })
}

// Snapshot is one loaded configuration and the report of where its values
// came from. A snapshot is shared by every reader and must not be
// changed: neither Value nor Report, nor anything they point to.
type Snapshot[T any] struct {
	// Value is the configuration.
	Value *T
	// Report says where each value came from.
	Report *Report
	// Generation counts the snapshots: 1 for the first load, one more for
	// each reload that changed something.
	Generation uint64
}

// Changed returns the keys whose value or source differs between old and
// s, in field order: what a subscriber or a log line names. Secrets are
// compared with secret.String.Equal.
func (s *Snapshot[T]) Changed(old *Snapshot[T]) []string {
	sc, err := schemaOf(reflect.TypeFor[T](), "")
	if err != nil {
		return nil
	}
	a := reflect.ValueOf(old.Value).Elem()
	b := reflect.ValueOf(s.Value).Elem()
	var keys []string
	for _, f := range sc.fields {
		if !sameField(f, a.FieldByIndex(f.index), b.FieldByIndex(f.index)) ||
			!sameSource(old.Report, s.Report, f.key) {
			keys = append(keys, f.key)
		}
	}
	return keys
}

func sameField(f *field, a, b reflect.Value) bool {
	if f.kind == kindSecret {
		sa, sb := a.Interface().(secret.String), b.Interface().(secret.String)
		return sa.Equal(sb)
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func sameSource(a, b *Report, key string) bool {
	sa, oka := a.Source(key)
	sb, okb := b.Source(key)
	return oka == okb && sa == sb
}

// LoadFunc loads a configuration with the options given, as Load does,
// and returns it with its report. A package built on the loader passes its
// own to WatchFunc to add its defaults and error marks.
type LoadFunc[T any] func(ctx context.Context, opts ...Option) (*T, *Report, error)

// Live is a configuration that follows its files. Current returns the
// latest good snapshot's value at the cost of one atomic load; a reload
// that fails to read, parse or validate leaves the last good snapshot in
// place and is reported (see WithReloadError and WithLogger).
//
// A subscriber that keeps state derived from the configuration, such as
// an authenticating transport that caches a token, gets the old and the
// new snapshot of each change and compares what it depends on. Secrets
// compare with secret.String.Equal, which takes constant time:
//
//	live.Subscribe(func(old, new *loader.Snapshot[App]) {
//		if !old.Value.Token.Equal(new.Value.Token) {
//			cache.Drop()
//		}
//	})
//
// A Live is safe for concurrent use.
type Live[T any] struct {
	load LoadFunc[T]
	opts []Option

	debounce time.Duration
	onError  func(error)

	snap atomic.Pointer[Snapshot[T]]

	mu      sync.Mutex // serializes reloads and watch set changes
	watcher *fsnotify.Watcher
	set     atomic.Pointer[watchSet]

	subMu sync.Mutex
	subs  []*subscriber[T]

	fired atomic.Int64 // reloads started by file events, for tests
	done  chan struct{}
}

type subscriber[T any] struct {
	fn func(old, new *Snapshot[T])
}

// Watch loads a T from the layers that opts select, as Load does, and
// keeps it current: a change to any file that fed it (configuration
// files, the dotenv file, NAME_FILE secrets) reloads every layer. The
// first load must succeed, else Watch returns its error.
//
// Watch watches the folders that hold those files, so that a save by
// rename and the Kubernetes "..data" symlink swap are seen, and watches
// the files they link to as well. After each reload that succeeds it
// watches the files that reload read.
//
// Watching stops when ctx ends; Done then closes. Current keeps
// returning the last good value.
func Watch[T any](ctx context.Context, opts ...Option) (*Live[T], error) {
	return WatchFunc(ctx, loadInto[T], opts...)
}

func loadInto[T any](ctx context.Context, opts ...Option) (*T, *Report, error) {
	v := new(T)
	r, err := Load(ctx, v, opts...)
	if err != nil {
		return nil, r, err
	}
	return v, r, nil
}

// WatchFunc is Watch with load in place of Load, for packages that wrap
// Load with defaults of their own. load gets opts on every reload; a
// secret read from standard input is read once and kept for reloads.
func WatchFunc[T any](ctx context.Context, load LoadFunc[T],
	opts ...Option) (*Live[T], error) {
	o := newOptions(opts)
	if o.stdin != nil {
		opts = append(slices.Clip(opts), WithStdin(&stdinOnce{r: o.stdin}))
	}
	l := &Live[T]{load: load, opts: opts, debounce: o.watch.debounce,
		onError: o.watch.onError, done: make(chan struct{})}
	if l.debounce <= 0 {
		l.debounce = DefaultDebounce
	}
	if l.onError == nil {
		l.onError = logReloadError(o)
	}

	v, r, err := load(ctx, opts...)
	if err != nil {
		return nil, err
	}
	l.snap.Store(&Snapshot[T]{Value: v, Report: r, Generation: 1})

	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("loader: watch: %w", err)
	}
	l.watcher = w
	if _, err := l.watch(r); err != nil {
		w.Close()
		return nil, err
	}

	// A file may have changed between the first load and the start of
	// watching it: load once more, without repeating the logger's notes.
	quiet := append(slices.Clip(opts), WithLogger(nil))
	_ = l.reload(ctx, quiet)

	go l.run(ctx)
	return l, nil
}

func logReloadError(o *options) func(error) {
	lg := o.logger
	return func(err error) {
		if lg != nil {
			lg.Warn("configuration reload rejected; "+
				"keeping the last good configuration", "err", err)
		}
	}
}

// Current returns the latest good configuration. It is one atomic load:
// call it whenever the value is needed rather than keeping the result.
// The value is shared by every caller and must not be changed.
func (l *Live[T]) Current() *T { return l.snap.Load().Value }

// Snapshot returns the latest good snapshot: the value with its report.
// It must not be changed.
func (l *Live[T]) Snapshot() *Snapshot[T] { return l.snap.Load() }

// Subscribe calls fn after each reload that changes the configuration,
// with the snapshot replaced and the one that replaced it; printing either
// keeps secrets redacted. Calls happen one at a time, in the order of the
// reloads, on the goroutine that reloaded; fn must return soon and must
// not call Reload. The returned function ends the subscription.
func (l *Live[T]) Subscribe(fn func(old, new *Snapshot[T])) (cancel func()) {
	s := &subscriber[T]{fn: fn}
	l.subMu.Lock()
	l.subs = append(l.subs, s)
	l.subMu.Unlock()
	return func() {
		l.subMu.Lock()
		defer l.subMu.Unlock()
		l.subs = slices.DeleteFunc(l.subs, func(x *subscriber[T]) bool {
			return x == s
		})
	}
}

// Reload reloads every layer now, as a file change would. On success the
// new configuration replaces the current one and subscribers hear of it
// when it differs; on failure the current one stays, and the error is
// returned and reported as for any rejected reload. Reload works after
// watching has stopped, but then no longer updates the watched files.
func (l *Live[T]) Reload(ctx context.Context) error {
	return l.reload(ctx, l.opts)
}

// Done returns a channel that is closed when watching has stopped, after
// the context given to Watch ended, and every goroutine of the watch
// has returned.
func (l *Live[T]) Done() <-chan struct{} { return l.done }

func (l *Live[T]) reload(ctx context.Context, opts []Option) error {
	l.mu.Lock()
	defer l.mu.Unlock()

	for again := true; ; again = false {
		v, r, err := l.load(ctx, opts...)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			err = fmt.Errorf("loader: reload rejected: %w", err)
			l.onError(err)
			return err
		}

		// Watch the new set first: a change made after Current shows the
		// new snapshot must be seen. A folder watched only from now on
		// may have changed since the load began, so read once more.
		grew, err := l.watch(r)
		if err != nil {
			l.onError(err)
		}
		if grew && again {
			continue
		}
		l.swap(v, r)
		return nil
	}
}

// swap stores a new snapshot when it differs from the current one, and
// tells the subscribers.
func (l *Live[T]) swap(v *T, r *Report) {
	old := l.snap.Load()
	if reflect.DeepEqual(old.Value, v) && reflect.DeepEqual(old.Report, r) {
		return
	}
	next := &Snapshot[T]{Value: v, Report: r, Generation: old.Generation + 1}
	l.snap.Store(next)
	l.notify(old, next)
}

func (l *Live[T]) notify(old, next *Snapshot[T]) {
	l.subMu.Lock()
	subs := slices.Clone(l.subs)
	l.subMu.Unlock()
	for _, s := range subs {
		s.fn(old, next)
	}
}

// run turns file events into reloads until ctx ends.
func (l *Live[T]) run(ctx context.Context) {
	defer close(l.done)
	defer l.closeWatcher()

	timer := time.NewTimer(l.debounce)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-l.watcher.Events:
			if !ok {
				return
			}
			if l.set.Load().matters(ev.Name) {
				timer.Reset(l.debounce)
			}
		case err, ok := <-l.watcher.Errors:
			if !ok {
				return
			}
			// Events may have been lost (a full queue): reload to be sure.
			l.onError(fmt.Errorf("loader: watch: %w", err))
			timer.Reset(l.debounce)
		case <-timer.C:
			l.fired.Add(1)
			_ = l.reload(ctx, l.opts)
		}
	}
}

func (l *Live[T]) closeWatcher() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.watcher.Close()
}

// watchSet is the files that fed a configuration, by folder.
type watchSet struct {
	dirs map[string]map[string]bool // folder -> file names in it
}

// matters reports whether an event on path can change the configuration:
// it names a watched file, or a Kubernetes ..data link beside one.
func (ws *watchSet) matters(path string) bool {
	names := ws.dirs[filepath.Dir(path)]
	if names == nil {
		return false
	}
	base := filepath.Base(path)
	return names[base] || base == k8sData
}

// watchSetOf returns the files r says fed the configuration, with the
// files their symlinks lead to, by folder.
func watchSetOf(r *Report) *watchSet {
	ws := &watchSet{dirs: map[string]map[string]bool{}}
	entry := func(dir, name string) {
		if ws.dirs[dir] == nil {
			ws.dirs[dir] = map[string]bool{}
		}
		ws.dirs[dir][name] = true
	}
	add := func(path string) {
		dir := filepath.Dir(path)
		entry(dir, filepath.Base(path))
		// The folder too, as an entry of its own parent: it may not
		// exist yet, or be a symlink swapped whole, or be removed and
		// made anew, and the watch on it sees none of that.
		if up := filepath.Dir(dir); up != dir {
			entry(up, filepath.Base(dir))
		}
	}
	var paths []string
	paths = append(paths, r.Files...)
	paths = append(paths, r.Searched...)
	paths = append(paths, r.SecretFiles...)
	if r.Dotenv != "" {
		paths = append(paths, r.Dotenv)
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		add(abs)
		if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
			add(real)
		}
	}
	return ws
}

// BUG(reload): Each file's folder and that folder's parent are watched,
// no further up: a folder that is missing two levels deep (neither
// $XDG_CONFIG_HOME nor its cloudcfg folder made yet) is seen only at the
// next reload that another change causes.

// BUG(reload): With WithLogger, each reload repeats the loader's notes,
// such as a secret file readable by every user.

// watch makes the watcher follow the folders of the files r names, and
// stop following the ones no longer needed; it reports whether a folder
// was added. A folder that does not exist is skipped: only files that
// were looked for and not found live there. The caller holds l.mu, or is
// the only goroutine using l.
func (l *Live[T]) watch(r *Report) (bool, error) {
	next := watchSetOf(r)
	prev := l.set.Load()
	grew := false
	for dir := range next.dirs {
		if prev == nil || prev.dirs[dir] == nil {
			grew = true
		}
	}

	var errs []error
	for dir := range next.dirs {
		// Add again even when watched: a folder removed and made anew
		// has lost its watch.
		err := l.watcher.Add(dir)
		switch {
		case err == nil, errors.Is(err, fs.ErrNotExist):
		case errors.Is(err, fsnotify.ErrClosed):
			return false, nil
		default:
			errs = append(errs, fmt.Errorf("loader: watch %s: %w", dir, err))
		}
	}
	if prev != nil {
		for dir := range prev.dirs {
			if next.dirs[dir] == nil {
				_ = l.watcher.Remove(dir) // gone already, or unwatched
			}
		}
	}
	l.set.Store(next)
	return grew, errors.Join(errs...)
}

// stdinOnce reads standard input once, at the first load that asks for a
// secret from it ("-" as a --KEY-file flag), and hands the same bytes to
// every reload, since a pipe can be read only once.
type stdinOnce struct {
	r    io.Reader
	once sync.Once
	data []byte
	err  error
}

// Read reads the underlying reader; the loader calls all instead.
func (s *stdinOnce) Read(p []byte) (int, error) { return s.r.Read(p) }

func (s *stdinOnce) all() ([]byte, error) {
	s.once.Do(func() { s.data, s.err = readSecretReader(s.r) })
	return s.data, s.err
}
