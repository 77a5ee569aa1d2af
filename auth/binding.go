package auth

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/cloudcfg/cloudcfg/config"
)

// binding is what a TokenSource derives from one configuration snapshot.
// It is built once per snapshot and never changed.
type binding struct {
	cfg      *config.CloudClientConfig
	apiRoot  string   // without trailing slash
	tokenURL string   // apiRoot + "/applications/token"
	origins  []origin // where the Authorization header may go
	bearer   *token   // the token of the bearer method, else nil
}

// origin is a scheme and host that requests are authenticated for.
type origin struct {
	scheme, host string
}

// newBinding checks cfg and derives the URLs and, for the bearer method,
// the token.
func newBinding(cfg *config.CloudClientConfig) (*binding, error) {
	// A struct literal may leave Timeout zero, which the client reads as
	// the default; Load and New never give zero.
	checked := *cfg
	if checked.Timeout == 0 {
		checked.Timeout = defaultTimeout
	}
	if err := checked.Validate(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	root := strings.TrimRight(cfg.APIRoot, "/")
	o, err := parseRoot("api_root", root)
	if err != nil {
		return nil, err
	}
	b := &binding{
		cfg:      cfg,
		apiRoot:  root,
		tokenURL: root + "/applications/token",
		origins:  o,
	}

	// The Config API takes the same token; a derived root is filled in by
	// the config package before the snapshot reaches us.
	if cfg.ConfigAPIRoot != "" {
		c := strings.TrimRight(cfg.ConfigAPIRoot, "/")
		o, err := parseRoot("config_api_root", c)
		if err != nil {
			return nil, err
		}
		b.origins = append(b.origins, o...)
	}

	if cfg.UsesBearerToken() {
		b.bearer = bearerToken(b, cfg.BearerToken.Reveal())
	}
	return b, nil
}

// method names the authentication method of b.
func (b *binding) method() string {
	if b.bearer != nil {
		return MethodBearerToken
	}
	return MethodClientCredentials
}

// secrets returns the values that must not appear in an error message.
func (b *binding) secrets(extra ...string) []string {
	s := []string{
		b.cfg.ClientID.Reveal(),
		b.cfg.ClientSecret.Reveal(),
		b.cfg.BearerToken.Reveal(),
	}
	return append(s, extra...)
}

// sameCredentials reports whether a token obtained for b is good for c.
func (b *binding) sameCredentials(c *binding) bool {
	x, y := b.cfg, c.cfg
	return b.apiRoot == c.apiRoot &&
		x.ClientID.Equal(y.ClientID) &&
		x.ClientSecret.Equal(y.ClientSecret) &&
		x.BearerToken.Equal(y.BearerToken)
}

// covers reports whether a request to u may carry the Authorization
// header: whether u's scheme and host are those of an API root. A
// redirect elsewhere is sent without credentials.
func (b *binding) covers(u *url.URL) bool {
	if u == nil {
		return false
	}
	for _, o := range b.origins {
		if u.Scheme == o.scheme && strings.EqualFold(u.Host, o.host) {
			return true
		}
	}
	return false
}

// parseRoot returns the origins of an API root that config's rules
// passed: its host as
// written and, when it names its scheme's default port or none, the
// other spelling too.
func parseRoot(key, root string) ([]origin, error) {
	u, err := url.Parse(root)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", key, err)
	}

	port := "443"
	if u.Scheme == "http" {
		port = "80"
	}
	o := []origin{{u.Scheme, u.Host}}
	switch u.Port() {
	case "":
		o = append(o, origin{u.Scheme, net.JoinHostPort(u.Hostname(), port)})
	case port:
		o = append(o, origin{u.Scheme, hostOnly(u)})
	}
	return o, nil
}

// hostOnly returns u's host without the port, bracketed if IPv6.
func hostOnly(u *url.URL) string {
	h := u.Hostname()
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
