package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/cloudcfg/cloudcfg/config"
)

var _ oauth2.TokenSource = (*TokenSource)(nil)

// TokenSource gives access tokens for a configuration. With client
// credentials it exchanges them at the token endpoint, caches the token
// and renews it shortly before it expires, one exchange at a time however
// many goroutines ask. With a bearer token it gives that token.
//
// A TokenSource is safe for concurrent use. Its zero value is not usable;
// call NewTokenSource or NewClient.
type TokenSource struct {
	src         func() *config.CloudClientConfig
	client      *http.Client // for the token endpoint
	base        http.RoundTripper
	timeout     time.Duration
	clock       Clock
	maxAttempts int

	bound atomic.Pointer[binding] // the snapshot seen last
	cur   atomic.Pointer[token]   // the cached token, nil when none
	group singleflight.Group
	// pauseUntil holds off background renewal after one failed.
	pauseUntil atomic.Pointer[time.Time]
}

// token is a cached access token with the header value it makes.
type token struct {
	b         *binding // the snapshot it was obtained for
	value     oauth2.Token
	header    string    // "Bearer " + the access token
	refreshAt time.Time // when to start renewing it
	forever   bool      // a bearer token; it has no known expiry
}

func bearerToken(b *binding, v string) *token {
	return &token{
		b:       b,
		value:   oauth2.Token{AccessToken: v, TokenType: "Bearer"},
		header:  "Bearer " + v,
		forever: true,
	}
}

// NewTokenSource returns a TokenSource for cfg.
//
// cfg must hold an API root and exactly one authentication method. The
// token exchange uses a clone of http.DefaultTransport, which honours
// HTTPS_PROXY and NO_PROXY, with the roots of cfg.CAFile added, and
// cfg.Timeout (30s when zero) as its time limit per request; WithTransport
// replaces the transport. NewTokenSource keeps its own copy of cfg unless
// WithConfigFunc gives it a live source.
func NewTokenSource(cfg *config.CloudClientConfig, opts ...Option) (
	*TokenSource, error) {
	if cfg == nil {
		return nil, errors.New("auth: nil configuration")
	}
	set := newSettings(opts)

	base, err := baseTransport(cfg, set.base)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}

	src := set.source
	if src == nil {
		own := *cfg
		src = func() *config.CloudClientConfig { return &own }
	}

	s := &TokenSource{
		src: src,
		client: &http.Client{
			Transport:     base,
			Timeout:       timeout,
			CheckRedirect: refuseRedirect,
		},
		base:        base,
		timeout:     timeout,
		clock:       set.clock,
		maxAttempts: set.maxAttempts,
	}
	if _, err := s.bind(src()); err != nil {
		return nil, err
	}
	return s, nil
}

// refuseRedirect keeps the client secret from following a redirect: the
// 3xx reply is returned and reported as an error.
func refuseRedirect(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}

// Token returns a valid token. It satisfies oauth2.TokenSource; prefer
// TokenContext, which can be cancelled.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext returns a valid token, exchanging the client credentials
// for a new one when the cached token is missing or about to expire. The
// result is the caller's to keep. A bearer token has a zero Expiry.
func (s *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token,
	error) {
	t, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	v := t.value
	return &v, nil
}

// Invalidate drops the cached token, so that the next request exchanges
// the client credentials again. Transport calls it when the API answers
// 401; call it when a token is known to be revoked.
func (s *TokenSource) Invalidate() {
	s.cur.Store(nil)
}

// Client returns an *http.Client that authenticates its requests with s,
// over the same base transport and with the same time limit per request
// as the token exchange.
func (s *TokenSource) Client() *http.Client {
	return &http.Client{
		Transport: &Transport{Source: s, Base: s.base},
		Timeout:   s.timeout,
	}
}

// Method returns MethodClientCredentials or MethodBearerToken for the
// current configuration, or "" when it has no usable method.
func (s *TokenSource) Method() string {
	b, err := s.bind(s.src())
	if err != nil {
		return ""
	}
	return b.method()
}

// current returns the cached token while it is fresh for the current
// snapshot; this is the path every request takes.
func (s *TokenSource) current(ctx context.Context) (*token, error) {
	t := s.cur.Load()
	if t == nil || t.b.cfg != s.src() {
		return s.refresh(ctx)
	}
	if t.forever {
		return t, nil
	}
	now := s.clock.Now()
	switch {
	case now.Before(t.refreshAt):
		return t, nil
	case now.Before(t.value.Expiry):
		// Renew ahead of expiry without making anyone wait: the token
		// is still good, so the request goes out with it while one
		// exchange runs in the background, bounded by the timeout.
		if now.After(s.renewPause()) {
			s.renewInBackground()
		}
		return t, nil
	}
	return s.refresh(ctx)
}

// renewInBackground starts the shared exchange, unless one is running.
// It runs on its own context, bounded by the timeout: not the request's,
// whose values (trace hooks, spans) must not fire after it returned. A
// failure pauses background renewal for a while, so that a token
// endpoint that refuses (429, 5xx, 401) is not asked again by every
// request; the request that finds the token expired exchanges in the
// foreground and gets the error.
func (s *TokenSource) renewInBackground() {
	s.group.DoChan("token", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		defer cancel()
		t, err := s.exchangeShared(ctx)
		if err != nil {
			pause := s.clock.Now().Add(renewBackoff)
			s.pauseUntil.Store(&pause)
		}
		return t, err
	})
}

// renewBackoff is how long a failed background renewal holds off the
// next one.
const renewBackoff = time.Second

// renewPause returns when background renewal may start again.
func (s *TokenSource) renewPause() time.Time {
	if p := s.pauseUntil.Load(); p != nil {
		return *p
	}
	return time.Time{}
}

// drop forgets t if it is still the cached token; a token that another
// goroutine has already renewed is kept.
func (s *TokenSource) drop(t *token) {
	s.cur.CompareAndSwap(t, nil)
}

// bind returns the binding of cfg, building it when cfg is a snapshot not
// seen before. A cached token obtained for other credentials is dropped;
// one obtained for the same credentials is kept.
func (s *TokenSource) bind(cfg *config.CloudClientConfig) (*binding,
	error) {
	if cfg == nil {
		return nil, errors.New("auth: configuration source returned nil")
	}
	b := s.bound.Load()
	if b == nil || b.cfg != cfg {
		nb, err := newBinding(cfg)
		if err != nil {
			return nil, err
		}
		b = nb
		s.bound.Store(b)
	}

	if t := s.cur.Load(); t != nil && t.b.cfg != cfg {
		var next *token
		if !t.forever && t.b.sameCredentials(b) {
			c := *t
			c.b = b
			next = &c
		}
		s.cur.CompareAndSwap(t, next)
	}
	return b, nil
}

// abandoned marks an exchange that stopped because the context of the
// goroutine that ran it ended; the others that waited for it try again.
type abandoned struct{ err error }

func (e *abandoned) Error() string { return e.err.Error() }
func (e *abandoned) Unwrap() error { return e.err }

// refresh renews the token: one exchange runs, and every goroutine that
// asks meanwhile waits for its result or for its own context.
func (s *TokenSource) refresh(ctx context.Context) (*token, error) {
	for range 3 {
		b, err := s.bind(s.src())
		if err != nil {
			return nil, err
		}
		if b.bearer != nil {
			s.cur.Store(b.bearer)
			return b.bearer, nil
		}

		ch := s.group.DoChan("token", func() (any, error) {
			return s.exchangeShared(ctx)
		})
		var r singleflight.Result
		select {
		case r = <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("auth: token request: %w",
				context.Cause(ctx))
		}

		var ab *abandoned
		switch {
		case errors.As(r.Err, &ab) && ctx.Err() == nil:
			continue
		case ab != nil:
			return nil, ab.err
		case r.Err != nil:
			return nil, r.Err
		}
		if t := r.Val.(*token); t.b.sameCredentials(b) {
			return t, nil
		}
		// The configuration changed while the exchange ran.
	}
	return nil, errors.New("auth: token request: no token after 3 " +
		"tries; the configuration changed or the exchanges were cancelled")
}

// exchangeShared runs inside the single flight. It looks at the cache
// again first: a flight that ended just before this one began has already
// done the work.
func (s *TokenSource) exchangeShared(ctx context.Context) (*token, error) {
	b, err := s.bind(s.src())
	if err != nil {
		return nil, err
	}
	if b.bearer != nil {
		return b.bearer, nil
	}
	t := s.cur.Load()
	if t != nil && t.b.cfg == b.cfg && s.clock.Now().Before(t.refreshAt) {
		return t, nil
	}

	t, err = s.exchange(ctx, b)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &abandoned{err}
		}
		return nil, err
	}
	s.cur.Store(t)
	return t, nil
}
