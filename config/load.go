package config

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudcfg/cloudcfg/loader"
	"github.com/cloudcfg/cloudcfg/secret"
)

// ConfigVar is the variable that lists configuration files for Load,
// separated as PATH is.
const ConfigVar = "CLOUDCFG_CONFIG"

// knownVars are the variables of PyAirbyte's AIRBYTE_CLOUD_ family that
// cloudcfg does not read: they choose a workspace or an organization, not
// how to reach the API, so they are neither typos nor worth a warning.
var knownVars = []string{
	"AIRBYTE_CLOUD_WORKSPACE_ID",
	"AIRBYTE_CLOUD_ORGANIZATION_ID",
}

// DefaultOptions are the loader options Load starts from: files from
// CLOUDCFG_CONFIG, else the first found of ./cloudcfg.yaml and
// $XDG_CONFIG_HOME/cloudcfg/config.yaml, and warnings for unknown
// AIRBYTE_CLOUD_ variables. Options given to Load come after them.
func DefaultOptions() []loader.Option {
	return slices.Clone(defaultOptions)
}

// defaultOptions are made once: an option holds nothing a load changes.
var defaultOptions = []loader.Option{
	loader.WithFilesFromEnv(ConfigVar),
	loader.WithSearch("cloudcfg.yaml", "$XDG_CONFIG_HOME/cloudcfg/config.yaml"),
	loader.WithEnvWarnings([]string{"AIRBYTE_CLOUD_"}, knownVars...),
}

// Load resolves the configuration from its layers: defaults, the
// configuration files, a dotenv file when asked for, the environment and
// explicit overrides (see DefaultOptions for the files it looks for).
// When no authentication method is set at all, the error matches
// ErrSecretNotFound.
func Load(ctx context.Context, opts ...loader.Option) (*CloudClientConfig, error) {
	c, _, err := LoadReport(ctx, opts...)
	return c, err
}

// LoadReport is Load that also returns where each value came from. The
// report comes with the error when the configuration is invalid.
func LoadReport(ctx context.Context, opts ...loader.Option) (
	*CloudClientConfig, *loader.Report, error) {
	var c CloudClientConfig
	all := append(defaultOptions[:len(defaultOptions):len(defaultOptions)],
		opts...)
	r, err := loader.Load(ctx, &c, all...)
	if err != nil {
		return nil, r, markNotFound(err)
	}
	return &c, r, nil
}

// Option sets values for New or FromEnv.
type Option struct {
	values []keyValue
}

type keyValue struct {
	key string
	v   any
}

func set(key string, v any) Option { return Option{[]keyValue{{key, v}}} }

// WithClientCredentials sets the client ID and secret.
func WithClientCredentials(id, secret string) Option {
	return Option{[]keyValue{{"client_id", id}, {"client_secret", secret}}}
}

// WithBearerToken sets a bearer token.
func WithBearerToken(token string) Option { return set("bearer_token", token) }

// WithAPIRoot sets the API root; it beats AIRBYTE_CLOUD_API_URL in FromEnv.
func WithAPIRoot(root string) Option { return set("api_root", root) }

// WithConfigAPIRoot sets the Config API root.
func WithConfigAPIRoot(root string) Option { return set("config_api_root", root) }

// WithAllowInsecureHTTP permits a plain http API root on any host.
func WithAllowInsecureHTTP(allow bool) Option {
	return set("allow_insecure_http", allow)
}

// WithCAFile sets a PEM file of extra root certificates.
func WithCAFile(path string) Option { return set("ca_file", path) }

// WithTimeout sets the time limit of each request.
func WithTimeout(d time.Duration) Option { return set("timeout", d) }

func valueOptions(opts []Option) []loader.Option {
	var out []loader.Option
	for _, o := range opts {
		for _, kv := range o.values {
			v := kv.v
			if s, ok := v.(string); ok && secretKey(kv.key) {
				v = secret.New(s)
			}
			out = append(out, loader.WithValue(kv.key, v))
		}
	}
	return out
}

func secretKey(key string) bool {
	return key == "client_id" || key == "client_secret" || key == "bearer_token"
}

func noEnv(string) (string, bool) { return "", false }

// New returns a configuration from Go values alone, with the same rules
// and defaults as Load: exactly one of client credentials and a bearer
// token, a valid API root. It reads no file or variable.
//
//	c, err := config.New(config.WithBearerToken(token))
func New(opts ...Option) (*CloudClientConfig, error) {
	var c CloudClientConfig
	lo := append([]loader.Option{loader.WithLookupEnv(noEnv)},
		valueOptions(opts)...)
	if _, err := loader.Load(context.Background(), &c, lo...); err != nil {
		return nil, markNotFound(err)
	}
	return &c, nil
}

// FromEnv reads the configuration from the environment alone, in
// PyAirbyte's order: a bearer token when one is set, and then the client
// credential variables are not consulted; else both the client ID and the
// client secret, and a missing one gives a *SecretNotFoundError naming it.
// Aliases and NAME_FILE forms count. An API root given in opts beats
// AIRBYTE_CLOUD_API_URL. The values pass the same rules as with Load.
func FromEnv(ctx context.Context, opts ...Option) (*CloudClientConfig, error) {
	keys, err := loader.Describe(&CloudClientConfig{})
	if err != nil {
		return nil, err
	}
	info := map[string]loader.KeyInfo{}
	for _, k := range keys {
		info[k.Key] = k
	}

	lookup := os.LookupEnv
	if !anySet(info["bearer_token"]) {
		for _, key := range []string{"client_id", "client_secret"} {
			if k := info[key]; !anySet(k) {
				return nil, &SecretNotFoundError{Name: k.Env[0],
					Searched: searched(k)}
			}
		}
	} else {
		hidden := map[string]bool{}
		for _, key := range []string{"client_id", "client_secret"} {
			for _, n := range searched(info[key]) {
				hidden[n] = true
			}
		}
		lookup = func(name string) (string, bool) {
			if hidden[name] {
				return "", false
			}
			return os.LookupEnv(name)
		}
	}

	var c CloudClientConfig
	lo := append([]loader.Option{loader.WithLookupEnv(lookup)},
		valueOptions(opts)...)
	if _, err := loader.Load(ctx, &c, lo...); err != nil {
		return nil, markNotFound(err)
	}
	return &c, nil
}

func searched(k loader.KeyInfo) []string {
	names := append([]string(nil), k.Env...)
	if k.FileEnv != "" {
		names = append(names, k.FileEnv)
	}
	return names
}

func anySet(k loader.KeyInfo) bool {
	for _, n := range searched(k) {
		if os.Getenv(n) != "" {
			return true
		}
	}
	return false
}

// FinishConfig drops one trailing slash from the API roots and derives
// the Config API root when it is unset; the loader calls it.
func (c *CloudClientConfig) FinishConfig() []loader.Derived {
	c.APIRoot = dropSlash(c.APIRoot)
	c.ConfigAPIRoot = dropSlash(c.ConfigAPIRoot)
	if c.ConfigAPIRoot != "" {
		return nil
	}
	c.ConfigAPIRoot = DeriveConfigAPIRoot(c.APIRoot)
	if c.ConfigAPIRoot == "" {
		return nil
	}
	return []loader.Derived{{Key: "config_api_root", From: "api_root"}}
}

func dropSlash(s string) string {
	if strings.HasSuffix(s, "/") && !strings.HasSuffix(s, "//") {
		return s[:len(s)-1]
	}
	return s
}

// DeriveConfigAPIRoot returns the Config API root that belongs to the
// public API root: CloudConfigAPIRoot for the Cloud root, the same root
// ending in /api/v1 for a root ending in /api/public/v1, else "".
func DeriveConfigAPIRoot(apiRoot string) string {
	apiRoot = dropSlash(apiRoot)
	const cloudOrigin = "https://api.airbyte.com" // CloudAPIRoot less /v1
	if n := len(cloudOrigin); len(apiRoot) == n+3 &&
		strings.EqualFold(apiRoot[:n], cloudOrigin) && apiRoot[n:] == "/v1" {
		return CloudConfigAPIRoot
	}
	if base, ok := strings.CutSuffix(apiRoot, "/api/public/v1"); ok &&
		loader.URLProblem(apiRoot) == "" {
		return base + "/api/v1"
	}
	return ""
}

// CheckConfig refuses a plain http API root on a host other than loopback
// unless allow_insecure_http is set, and a ca_file that holds no
// certificate; the loader calls it.
func (c *CloudClientConfig) CheckConfig() []loader.Problem {
	var ps []loader.Problem
	if c.CAFile != "" {
		if msg := caFileProblem(c.CAFile); msg != "" {
			ps = append(ps, loader.Problem{Key: "ca_file", Rule: "ca_file",
				Message: msg,
				Fix: "point ca_file at a PEM file of CA certificates, or " +
					"unset it to use the system's"})
		}
	}
	if c.AllowInsecureHTTP {
		return ps
	}
	checked := map[string]bool{}
	for _, k := range []struct{ key, url string }{
		{"api_root", c.APIRoot}, {"config_api_root", c.ConfigAPIRoot},
	} {
		if len(k.url) < 7 || !strings.EqualFold(k.url[:7], "http://") {
			continue // https, or not a URL, which its own rule reports
		}
		u, err := url.Parse(k.url)
		if err != nil || IsLoopback(u.Hostname()) || checked[u.Host] {
			continue
		}
		checked[u.Host] = true
		ps = append(ps, loader.Problem{Key: k.key, Rule: "https",
			Message: "uses plain http to " + u.Hostname() +
				", so the token would travel in clear text",
			Fix: "use https, or set allow_insecure_http: true " +
				"(AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP=true) to accept the risk"})
	}
	return ps
}

// maxCAFile caps the size of a ca_file.
const maxCAFile = 1 << 20

// caFileProblem says what is wrong with path as a ca_file, or "". It
// looks at the file, not into it: the client parses the certificates
// when it is built, and `cloudcfg validate` builds one.
func caFileProblem(path string) string {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case err != nil:
		return "cannot read it"
	case !st.Mode().IsRegular():
		return "is not a regular file"
	case st.Size() == 0:
		return "is empty"
	case st.Size() > maxCAFile:
		return "is larger than 1 MiB"
	}
	return ""
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Validate checks c against the rules Load applies, for a configuration
// built as a struct literal: exactly one authentication method, valid API
// roots, no whitespace around secrets. The error is a *ValidationError,
// and matches ErrSecretNotFound when no method is set.
func (c *CloudClientConfig) Validate() error {
	if c == nil {
		return errors.New("config: nil configuration")
	}
	return markNotFound(loader.Validate(c))
}
