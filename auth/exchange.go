package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

const (
	// maxReply bounds the bytes read from any reply.
	maxReply = 1 << 20

	// defaultLifetime is assumed when a reply has no expires_in: short,
	// so that a token the server expires sooner is not used for long.
	defaultLifetime = 60 * time.Second

	// maxLifetime bounds what expires_in can claim.
	maxLifetime = 366 * 24 * time.Hour

	// maxSkew bounds how long before expiry a token is renewed; shorter
	// lifetimes renew at nine tenths of their life.
	maxSkew = 10 * time.Second

	// backoffBase and backoffCap shape the waits between attempts when
	// the reply has no Retry-After.
	backoffBase = 500 * time.Millisecond
	backoffCap  = 10 * time.Second

	// maxRetryWait is the longest Retry-After honoured; a longer one
	// ends the exchange with the error.
	maxRetryWait = time.Minute
)

// errTooLarge is the cause when a reply is longer than maxReply.
var errTooLarge = fmt.Errorf("auth: reply is larger than %d bytes", maxReply)

type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant-type"`
}

type tokenReply struct {
	AccessToken string  `json:"access_token"`
	TokenType   string  `json:"token_type"`
	ExpiresIn   seconds `json:"expires_in"`
}

// seconds decodes expires_in, which some servers send as a string.
type seconds int64

func (s *seconds) UnmarshalJSON(b []byte) error {
	v := strings.Trim(string(b), `"`)
	if v == "null" || v == "" {
		*s = 0
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("auth: expires_in %s is not a number", b)
	}
	*s = seconds(min(f, maxLifetime.Seconds()))
	return nil
}

// exchange obtains a token for b's client credentials, trying again on a
// 429 or 5xx reply as long as attempts, the context and Retry-After allow.
func (s *TokenSource) exchange(ctx context.Context, b *binding) (*token,
	error) {
	body, err := json.Marshal(tokenRequest{
		ClientID:     b.cfg.ClientID.Reveal(),
		ClientSecret: b.cfg.ClientSecret.Reveal(),
		GrantType:    "client_credentials",
	})
	if err != nil {
		return nil, fmt.Errorf("auth: token request: %w", err)
	}

	for attempt := 1; ; attempt++ {
		t, wait, err := s.try(ctx, b, body)
		if err == nil {
			return t, nil
		}
		var re *ResponseError
		if !errors.As(err, &re) || !re.Temporary() ||
			attempt >= s.maxAttempts {
			return nil, err
		}

		if wait < 0 {
			wait = backoff(attempt)
		}
		if wait > maxRetryWait || !fits(ctx, wait) {
			return nil, err
		}
		if serr := s.clock.Sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%w; retry: %w", err, serr)
		}
	}
}

// try makes one token request. On a reply that may be retried it also
// returns the wait Retry-After asks for, or -1 when it names none.
func (s *TokenSource) try(ctx context.Context, b *binding, body []byte) (
	*token, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		b.tokenURL, bytes.NewReader(body))
	if err != nil {
		return nil, -1, fmt.Errorf("auth: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	g := newGuard(b.secrets()...)
	start := s.clock.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		err = fmt.Errorf("auth: token request: %w", err)
		return nil, -1, g.check("token request to "+b.tokenURL, err)
	}
	defer resp.Body.Close()
	data, rerr := readReply(resp.Body)

	fail := func(cause error, show bool) *ResponseError {
		e := newResponseError("token request", b.tokenURL, resp, g,
			cause)
		if show {
			e.showBody(data, g)
		}
		return e
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		wait := retryAfter(resp.Header.Get("Retry-After"), s.clock.Now())
		return nil, wait, fail(nil, true)
	}
	if rerr != nil {
		return nil, -1, fail(rerr, false)
	}

	// A 2xx body may hold a token under some name, so it is shown only
	// when it is plainly not JSON, such as an HTML page from a proxy.
	show := !looksLikeJSON(data)
	var r tokenReply
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, -1, fail(notJSON(err), show)
	}
	if r.AccessToken == "" {
		return nil, -1, fail(missingToken(data), show)
	}
	if r.TokenType != "" && !strings.EqualFold(r.TokenType, "bearer") {
		err := fmt.Errorf("%w: %q", ErrTokenType, r.TokenType)
		return nil, -1, fail(err, show)
	}
	return newToken(b, r, start), -1, nil
}

// newToken makes the cache entry for a reply to a request sent at start.
// Expiry counts from the request, not the reply, so that it errs early.
func newToken(b *binding, r tokenReply, start time.Time) *token {
	life := time.Duration(r.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultLifetime
	}
	expiry := start.Add(life)
	return &token{
		b: b,
		value: oauth2.Token{
			AccessToken: r.AccessToken,
			TokenType:   "Bearer",
			Expiry:      expiry,
			ExpiresIn:   int64(r.ExpiresIn),
		},
		header:    "Bearer " + r.AccessToken,
		refreshAt: expiry.Add(-min(maxSkew, life/10)),
	}
}

// readReply reads at most maxReply bytes of a body; a longer body is an
// error. What was read is returned either way.
func readReply(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxReply+1))
	if err != nil {
		return data, fmt.Errorf("auth: reading reply: %w", err)
	}
	if len(data) > maxReply {
		return data[:maxReply], errTooLarge
	}
	return data, nil
}

// notJSON wraps ErrNotJSON around a syntax error; other decoding errors
// (a field of the wrong type) pass unchanged.
func notJSON(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	return fmt.Errorf("auth: decoding reply: %w", err)
}

// missingToken describes a reply without access_token by the names of
// the fields it has, which helps spot a server that spells them otherwise.
func missingToken(data []byte) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || len(m) == 0 {
		return errors.New("reply has no access_token")
	}
	keys := slices.Sorted(maps.Keys(m))
	if len(keys) > 10 {
		keys = append(keys[:10], "...")
	}
	return fmt.Errorf("reply has no access_token (fields: %s)",
		strings.Join(keys, ", "))
}

func looksLikeJSON(data []byte) bool {
	data = bytes.TrimSpace(data)
	return len(data) > 0 && (data[0] == '{' || data[0] == '[')
}

// retryAfter parses a Retry-After value, delay-seconds or an HTTP date,
// into a wait from now; -1 when v is empty or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// backoff returns the wait before attempt+1: exponential from backoffBase
// up to backoffCap, of which a random half is jitter.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 16 {
		d = min(backoffBase<<(attempt-1), backoffCap)
	}
	half := d / 2
	return half + rand.N(half+1)
}

// fits reports whether a wait of d ends before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}
