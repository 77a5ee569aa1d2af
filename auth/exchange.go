package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
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

// UnmarshalJSON reads a number of seconds, or a string that holds one;
// null and "" are zero. Its errors say what expires_in was, never its
// value, which the server chooses.
func (s *seconds) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return errors.New("auth: expires_in is empty")
	}
	switch b[0] {
	case 'n':
		*s = 0
		return nil
	case '"':
		var v string
		if json.Unmarshal(b, &v) != nil {
			return errors.New("auth: expires_in is not a valid string")
		}
		if v == "" {
			*s = 0
			return nil
		}
		return s.parse(v, "a string that is not a number of seconds")
	case '{':
		return errors.New("auth: expires_in is an object, not a number")
	case '[':
		return errors.New("auth: expires_in is an array, not a number")
	case 't', 'f':
		return errors.New("auth: expires_in is a boolean, not a number")
	}
	return s.parse(string(b), "a number out of range")
}

// parse sets s to v, a number of seconds, capped at maxLifetime; a
// negative number is zero. what says what v is when it is not a finite
// number.
func (s *seconds) parse(v, what string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("auth: expires_in is " + what)
	}
	*s = seconds(max(min(f, maxLifetime.Seconds()), 0))
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

	fail := func(cause error) *ResponseError {
		return newResponseError("token request", b.tokenURL, resp, g,
			cause)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		wait := retryAfter(resp.Header.Get("Retry-After"), s.clock.Now())
		e := fail(nil)
		e.showBody(data, g)
		return nil, wait, e
	}
	if rerr != nil {
		return nil, -1, fail(rerr)
	}

	// A 2xx body may hold a token that no guard knows, under any name
	// and in any format, so it is shown only when it is a web page, such
	// as the sign-in page of a proxy.
	withhold := func(e *ResponseError) *ResponseError {
		if looksLikeMarkup(data) {
			e.showBody(data, g)
		} else {
			e.Withheld = "a 2xx reply may hold a token"
		}
		return e
	}
	var r tokenReply
	jerr := json.Unmarshal(data, &r)
	if r.AccessToken != "" {
		// The token of the reply is a secret too: the rest of the
		// reply may repeat it. fail and withhold use the new guard.
		g = newGuard(append(b.secrets(), r.AccessToken)...)
	}
	switch {
	case jerr != nil:
		return nil, -1, withhold(fail(notJSON(jerr)))
	case r.AccessToken == "":
		return nil, -1, withhold(fail(missingToken(data, g)))
	case !headerText(r.AccessToken):
		return nil, -1, withhold(fail(ErrTokenText))
	case r.TokenType != "" && !strings.EqualFold(r.TokenType, "bearer"):
		return nil, -1, withhold(fail(tokenTypeError(r.TokenType)))
	}
	return newToken(b, r, start), -1, nil
}

// headerText reports whether a token can go into an Authorization
// header as it is: visible ASCII and spaces, no control character.
func headerText(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
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

// notJSON wraps ErrNotJSON around a syntax error. A field of the wrong
// type is described by its name and JSON type; an error of seconds
// passes as it is.
func notJSON(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", ErrNotJSON, err)
	case errors.As(err, &te):
		// te.Value may hold the number the server sent; keep its kind.
		kind, _, _ := strings.Cut(te.Value, " ")
		if te.Field == "" {
			return fmt.Errorf("auth: reply is a JSON %s, not an object",
				kind)
		}
		return fmt.Errorf("auth: reply field %s is a JSON %s, not a %s",
			te.Field, kind, te.Type)
	}
	return err
}

var (
	// shownTokenType matches a token_type that an error may show.
	shownTokenType = regexp.MustCompile(`^[A-Za-z-]{1,20}$`)

	// shownField matches the name of a reply field that an error may
	// show.
	shownField = regexp.MustCompile(`^[a-z_]{1,32}$`)
)

// maxFields bounds the field names an error lists.
const maxFields = 5

// tokenTypeError wraps ErrTokenType around the token_type of a reply,
// shown only when it is short and plainly a word.
func tokenTypeError(v string) error {
	if !shownTokenType.MatchString(v) {
		return fmt.Errorf("%w: (withheld)", ErrTokenType)
	}
	return fmt.Errorf("%w: %q", ErrTokenType, v)
}

// missingToken describes a reply without access_token by the names of
// the fields it has, which helps spot a server that spells them
// otherwise. The names are the server's, so only a few that are short,
// lower case and not part of a secret g guards are listed; the others
// are counted, and one that is access_token spelt otherwise is named
// as such.
func missingToken(data []byte, g *guard) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || len(m) == 0 {
		return errors.New("auth: reply has no access_token")
	}

	var shown []string
	hidden := 0
	spelt := false
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if isAccessToken(k) {
			spelt = true
		}
		if len(shown) < maxFields && shownField.MatchString(k) &&
			!g.leaks(k) {
			shown = append(shown, k)
			continue
		}
		hidden++
	}

	var b strings.Builder
	b.WriteString("auth: reply has no access_token")
	if spelt {
		b.WriteString(", but a field that spells it otherwise")
	}
	b.WriteString(" (fields: ")
	b.WriteString(strings.Join(shown, ", "))
	if hidden > 0 {
		if len(shown) > 0 {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, "%d not shown", hidden)
	}
	b.WriteString(")")
	return errors.New(b.String())
}

// isAccessToken reports whether k is access_token spelt another way,
// such as accessToken or Access-Token.
func isAccessToken(k string) bool {
	k = strings.NewReplacer("_", "", "-", "").Replace(k)
	return strings.EqualFold(k, "accesstoken")
}

// looksLikeMarkup reports whether data starts as HTML or XML does.
func looksLikeMarkup(data []byte) bool {
	data = bytes.TrimSpace(data)
	return len(data) > 0 && data[0] == '<'
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
