package loader

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/pflag"
)

// Option configures Load.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type override struct {
	key string
	v   any
}

type options struct {
	files     []string
	filesVar  string
	search    []string
	dotenv    string
	envPrefix string
	lookupEnv func(string) (string, bool)
	environ   []string
	flags     *pflag.FlagSet
	overrides []override
	logger    *slog.Logger
	stdin     io.Reader
	warnings  []*envWarnings
	watch     watchOptions // Watch's own; Load ignores them
}

func newOptions(opts []Option) *options {
	o := &options{lookupEnv: os.LookupEnv, stdin: os.Stdin}
	for _, opt := range opts {
		opt.apply(o)
	}
	return o
}

// WithFiles names configuration files to read, in order, each later one
// overriding the ones before. Every file must exist. Named files take the
// place of WithFilesFromEnv and WithSearch.
func WithFiles(paths ...string) Option {
	return optionFunc(func(o *options) {
		o.files = append(o.files, paths...)
	})
}

// WithFilesFromEnv reads the list of configuration files from the variable
// name, separated by the OS path list separator as KUBECONFIG is, when no
// files are named with WithFiles. Every file listed must exist.
func WithFilesFromEnv(name string) Option {
	return optionFunc(func(o *options) { o.filesVar = name })
}

// WithSearch makes Load read the first of paths that exists, when no file
// is named by WithFiles or WithFilesFromEnv. None need exist. A path that
// starts with "$XDG_CONFIG_HOME/" is taken below the user's configuration
// folder (see ConfigHome).
func WithSearch(paths ...string) Option {
	return optionFunc(func(o *options) {
		// Share paths when it is the first list: nothing writes to it,
		// and a later append copies, since Clip leaves it no room.
		if o.search == nil {
			o.search = slices.Clip(paths)
			return
		}
		o.search = append(o.search, paths...)
	})
}

// WithDotenv reads a dotenv file as a layer between the configuration
// files and the environment. It never overrides the real environment and
// never changes the process environment.
func WithDotenv(path string) Option {
	return optionFunc(func(o *options) { o.dotenv = path })
}

// WithEnvPrefix gives fields without an env tag a variable: the prefix, an
// underscore and the key path in upper snake case (APP_SERVER_PORT).
func WithEnvPrefix(prefix string) Option {
	return optionFunc(func(o *options) { o.envPrefix = prefix })
}

// WithLookupEnv replaces os.LookupEnv as the source of the environment,
// for tests and for callers that keep their own environment.
func WithLookupEnv(lookup func(string) (string, bool)) Option {
	return optionFunc(func(o *options) {
		o.lookupEnv = lookup
		o.environ = []string{}
	})
}

// WithEnviron takes the environment from a list of "KEY=value" entries,
// as os.Environ returns them.
func WithEnviron(environ []string) Option {
	m := parseEnviron(environ)
	return optionFunc(func(o *options) {
		o.environ = environ
		o.lookupEnv = func(k string) (string, bool) {
			v, ok := m[k]
			return v, ok
		}
	})
}

// WithFlags takes the flags of fs that were set on the command line as
// the top layer. Register them first with BindFlags.
func WithFlags(fs *pflag.FlagSet) Option {
	return optionFunc(func(o *options) { o.flags = fs })
}

// WithValue sets key to v as the top layer, with source "option". v is the
// field's Go type, or text as the environment would give it.
func WithValue(key string, v any) Option {
	return optionFunc(func(o *options) {
		o.overrides = append(o.overrides, override{key, v})
	})
}

// WithLogger sets a logger for reports that are not errors: a secret file
// readable by every user, an unknown variable that looks like ours. The
// loader is silent without one.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(o *options) { o.logger = l })
}

// WithStdin sets the reader that a "-" secret file flag reads from.
func WithStdin(r io.Reader) Option {
	return optionFunc(func(o *options) { o.stdin = r })
}

// WithEnvWarnings makes Load report, as warnings, set variables that start
// with one of prefixes but that it does not read, with the nearest name
// it knows. known lists other variables that are not to be reported.
func WithEnvWarnings(prefixes []string, known ...string) Option {
	w := &envWarnings{prefixes: prefixes, known: map[string]bool{}}
	for _, k := range known {
		w.known[k] = true
	}
	return optionFunc(func(o *options) {
		o.warnings = append(o.warnings, w)
	})
}

// envWarnings is one WithEnvWarnings, made when the option is, so that
// a load that reuses the option builds nothing.
type envWarnings struct {
	prefixes []string
	known    map[string]bool
}

// watched reports whether name has a watched prefix and is not known.
func (o *options) watched(name string) bool {
	watched := false
	for _, w := range o.warnings {
		if w.known[name] {
			return false
		}
		watched = watched || hasAnyPrefix(name, w.prefixes)
	}
	return watched
}

func parseEnviron(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' && i > 0 {
				m[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return m
}

// ConfigHome returns the user's configuration folder as the XDG base
// directory rules give it: $XDG_CONFIG_HOME, else ~/.config. lookup reads
// the environment; nil means os.LookupEnv.
func ConfigHome(lookup func(string) (string, bool)) string {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if d, ok := lookup("XDG_CONFIG_HOME"); ok && filepath.IsAbs(d) {
		return d
	}
	if h, ok := lookup("HOME"); ok && filepath.IsAbs(h) {
		return filepath.Join(h, ".config")
	}
	return ""
}
