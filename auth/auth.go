// Package auth authenticates requests to the Airbyte API with the method a
// config.CloudClientConfig holds: client credentials, exchanged for short
// lived access tokens at {api_root}/applications/token, or a ready-made
// bearer token.
//
// NewClient returns an *http.Client that adds the Authorization header to
// requests for the API root, caches tokens and renews them before they
// expire. TokenSource gives the tokens themselves and satisfies
// oauth2.TokenSource; Transport is the http.RoundTripper underneath.
//
// A TokenSource can follow a live configuration: give it a function that
// returns the current snapshot (WithConfigFunc) and a change of credentials
// or API root drops the cached token.
package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/cloudcfg/cloudcfg/config"
)

// The authentication methods, as Report.Method names them.
const (
	MethodClientCredentials = "client_credentials"
	MethodBearerToken       = "bearer_token"
)

// ErrTokenText is the cause in a *ResponseError when the access_token of
// a token reply holds a character an HTTP header cannot carry, such as a
// line break; the token is never used or printed.
var ErrTokenText = errors.New("auth: the access_token of the reply holds " +
	"characters a header cannot carry")

// ErrRedirected is returned by Check when the API answered from another
// host than api_root's, after a redirect: the token is not sent there,
// so the reply proves nothing about the credentials.
var ErrRedirected = errors.New("auth: check: the API redirected to " +
	"another host or port, which gets no token; point api_root at the " +
	"one that answers")

// ErrNotJSON is the cause in a *ResponseError when a reply that should be
// JSON is something else, such as an HTML page from a proxy.
var ErrNotJSON = errors.New("auth: reply is not JSON")

// ErrTokenType is the cause in a *ResponseError when the token endpoint
// issues a token of a type other than bearer.
var ErrTokenType = errors.New("auth: token type is not bearer")

const (
	// defaultTimeout applies when the configuration has no timeout.
	defaultTimeout = 30 * time.Second

	// defaultMaxAttempts bounds the requests of one token exchange.
	defaultMaxAttempts = 4
)

// Option configures NewTokenSource, NewClient and Check.
type Option interface {
	apply(*settings)
}

type settings struct {
	base        http.RoundTripper
	clock       Clock
	maxAttempts int
	source      func() *config.CloudClientConfig
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

func newSettings(opts []Option) settings {
	s := settings{clock: systemClock{}, maxAttempts: defaultMaxAttempts}
	for _, o := range opts {
		o.apply(&s)
	}
	return s
}

// WithTransport makes rt the base RoundTripper of the token exchange and of
// the client, in place of a clone of http.DefaultTransport. When the
// configuration names a ca_file, rt must be an *http.Transport; a clone of
// it is given the extra roots.
func WithTransport(rt http.RoundTripper) Option {
	return optionFunc(func(s *settings) { s.base = rt })
}

// WithClock makes c the source of time for token expiry and the waits
// between retries of the token exchange.
func WithClock(c Clock) Option {
	return optionFunc(func(s *settings) {
		if c != nil {
			s.clock = c
		}
	})
}

// WithMaxAttempts bounds the requests made for one token exchange when the
// token endpoint answers 429 or 5xx. The default is 4; n below 1 counts
// as 1, which turns retries off.
func WithMaxAttempts(n int) Option {
	return optionFunc(func(s *settings) { s.maxAttempts = max(n, 1) })
}

// WithConfigFunc makes the token source follow a live configuration: f is
// called on every request and returns the current snapshot, which must not
// be modified once returned. When the credentials or the API root of the
// snapshot change, the cached token is dropped and the next request
// authenticates with the new values.
//
// The snapshot given to NewTokenSource or NewClient still decides what is
// fixed when the client is built: timeout and ca_file.
//
// f must be cheap (an atomic load) and safe for concurrent use. Returning
// the same pointer for an unchanged snapshot keeps the per-request cost to
// one comparison.
func WithConfigFunc(f func() *config.CloudClientConfig) Option {
	return optionFunc(func(s *settings) { s.source = f })
}

// Clock tells the time and waits. The default uses the time package; tests
// replace it to expire tokens and skip the waits between retries.
type Clock interface {
	// Now returns the current time.
	Now() time.Time

	// Sleep waits for d, or until ctx is done and then returns its error.
	Sleep(ctx context.Context, d time.Duration) error
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
