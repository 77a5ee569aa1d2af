package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
	"github.com/cloudcfg/cloudcfg/secret"
)

func TestRootShapes(t *testing.T) {
	f := startFake(t)
	tests := []struct {
		name, root, path string
	}{
		{"cloud", f.Root(), "/v1/applications/token"},
		{"cloud slash", f.Root() + "/", "/v1/applications/token"},
		{"self-managed", f.SelfManagedRoot(),
			"/api/public/v1/applications/token"},
		{"self-managed slash", f.SelfManagedRoot() + "/",
			"/api/public/v1/applications/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.TokenRequests())
			c, err := auth.NewClient(clientConfig(tt.root))
			require.NoError(t, err)

			root := strings.TrimSuffix(tt.root, "/")
			status, page := listWorkspaces(t, c, root)
			require.Equal(t, http.StatusOK, status)
			assert.Len(t, page.Data, 1)
			assert.True(t, strings.HasPrefix(page.Next, root+"/workspaces"))

			reqs := f.TokenRequests()[before:]
			require.Len(t, reqs, 1)
			assert.Equal(t, fakeapi.TokenRequest{
				Path:        tt.path,
				ContentType: "application/json",
				Accept:      "application/json",
				GrantType:   "client_credentials",
			}, reqs[0])
		})
	}
	assert.Zero(t, f.Stats().NotFound)
}

func TestFormBodyRefused(t *testing.T) {
	f := startFake(t)
	resp, err := http.PostForm(f.Root()+"/applications/token", url.Values{
		"client_id":     {fakeapi.ClientID},
		"client_secret": {fakeapi.ClientSecret},
		"grant_type":    {"client_credentials"},
	})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)

	// The token source sends JSON, which the same endpoint takes.
	ts, err := auth.NewTokenSource(clientConfig(f.Root()))
	require.NoError(t, err)
	_, err = ts.TokenContext(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int64(1), f.Stats().Exchanges)
}

func TestTokenType(t *testing.T) {
	tests := []struct {
		tokenType string
		wantErr   bool
	}{
		{"Bearer", false},
		{"bearer", false},
		{"BEARER", false},
		{"", false},
		{"mac", true},
		{"Basic", true},
	}
	f := startFake(t)
	for _, tt := range tests {
		t.Run(tt.tokenType, func(t *testing.T) {
			f.SetTokenType(tt.tokenType)
			ts, err := auth.NewTokenSource(clientConfig(f.Root()))
			require.NoError(t, err)

			tok, err := ts.TokenContext(t.Context())
			if tt.wantErr {
				require.ErrorIs(t, err, auth.ErrTokenType)
				var re *auth.ResponseError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, http.StatusOK, re.StatusCode)
				assert.Empty(t, re.Excerpt, "a 2xx JSON reply may hold a token")
				assert.NotContains(t, err.Error(), "fake-at-")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.True(t, strings.HasPrefix(tok.AccessToken, "fake-at-"))
		})
	}
}

func TestLifetime(t *testing.T) {
	tests := []struct {
		name       string
		lifetime   time.Duration
		omit       bool
		want       time.Duration // expiry from the request
		stillFresh time.Duration // no exchange at this age
		renewed    time.Duration // a new exchange at this age
	}{
		{"cloud", 3 * time.Minute, false, 3 * time.Minute,
			169 * time.Second, 171 * time.Second},
		{"short", 2 * time.Second, false, 2 * time.Second,
			1700 * time.Millisecond, 1850 * time.Millisecond},
		{"day", 24 * time.Hour, false, 24 * time.Hour,
			24*time.Hour - 11*time.Second, 24*time.Hour - 9*time.Second},
		{"missing expires_in", 24 * time.Hour, true, time.Minute,
			53 * time.Second, 55 * time.Second},
		{"zero expires_in", 0, false, time.Minute,
			53 * time.Second, 55 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			f.SetLifetime(tt.lifetime)
			if tt.lifetime == 0 {
				f.SetLifetime(time.Hour)
				f.FailToken(zeroExpiresIn())
			}
			f.OmitExpiresIn(tt.omit)
			clock := newFakeClock()
			start := clock.Now()
			ts, err := auth.NewTokenSource(clientConfig(f.Root()),
				auth.WithClock(clock))
			require.NoError(t, err)

			tok, err := ts.TokenContext(t.Context())
			require.NoError(t, err)
			assert.Equal(t, start.Add(tt.want), tok.Expiry)

			clock.Advance(tt.stillFresh)
			again, err := ts.TokenContext(t.Context())
			require.NoError(t, err)
			assert.Equal(t, tok.AccessToken, again.AccessToken)
			assert.Equal(t, int64(1), f.Stats().TokenRequests)

			// In the renewal window the token is still good: it is
			// returned at once while one exchange runs behind it.
			clock.Advance(tt.renewed - tt.stillFresh)
			during, err := ts.TokenContext(t.Context())
			require.NoError(t, err)
			assert.Equal(t, tok.AccessToken, during.AccessToken)
			require.Eventually(t, func() bool {
				after, err := ts.TokenContext(t.Context())
				return err == nil && after.AccessToken != tok.AccessToken
			}, 10*time.Second, time.Millisecond)
			assert.Equal(t, int64(2), f.Stats().TokenRequests)
		})
	}
}

// zeroExpiresIn is a token reply that says expires_in 0.
func zeroExpiresIn() fakeapi.Fault {
	return fakeapi.Fault{
		Status:      http.StatusOK,
		ContentType: "application/json",
		Body: `{"access_token":"fake-at-zero","token_type":"Bearer",` +
			`"expires_in":0}`,
		Times: 1,
	}
}

func TestRetry(t *testing.T) {
	clockStart := newFakeClock().Now()
	tests := []struct {
		name     string
		faults   []fakeapi.Fault
		attempts int // the requests expected
		sleeps   [][2]time.Duration
	}{
		{
			name:     "429 Retry-After seconds",
			faults:   []fakeapi.Fault{fakeapi.TooManyRequests("3")},
			attempts: 2,
			sleeps:   [][2]time.Duration{{3 * time.Second, 3 * time.Second}},
		},
		{
			name: "429 Retry-After date",
			faults: []fakeapi.Fault{fakeapi.TooManyRequests(
				clockStart.Add(7 * time.Second).Format(http.TimeFormat))},
			attempts: 2,
			sleeps:   [][2]time.Duration{{7 * time.Second, 7 * time.Second}},
		},
		{
			name: "429 Retry-After date passed",
			faults: []fakeapi.Fault{fakeapi.TooManyRequests(
				clockStart.Add(-time.Hour).Format(http.TimeFormat))},
			attempts: 2,
			sleeps:   [][2]time.Duration{{0, 0}},
		},
		{
			name:     "429 without Retry-After",
			faults:   []fakeapi.Fault{fakeapi.TooManyRequests("")},
			attempts: 2,
			sleeps: [][2]time.Duration{
				{250 * time.Millisecond, 500 * time.Millisecond}},
		},
		{
			name: "500 twice",
			faults: []fakeapi.Fault{
				fakeapi.ServerError(), fakeapi.ServerError()},
			attempts: 3,
			sleeps: [][2]time.Duration{
				{250 * time.Millisecond, 500 * time.Millisecond},
				{500 * time.Millisecond, time.Second}},
		},
		{
			name:     "HTML 502",
			faults:   []fakeapi.Fault{fakeapi.BadGatewayHTML()},
			attempts: 2,
			sleeps: [][2]time.Duration{
				{250 * time.Millisecond, 500 * time.Millisecond}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			f.FailToken(tt.faults...)
			clock := newFakeClock()
			ts, err := auth.NewTokenSource(clientConfig(f.Root()),
				auth.WithClock(clock))
			require.NoError(t, err)

			_, err = ts.TokenContext(t.Context())
			require.NoError(t, err)
			st := f.Stats()
			assert.Equal(t, int64(tt.attempts), st.TokenRequests)
			assert.Equal(t, int64(1), st.Exchanges)

			sleeps := clock.Sleeps()
			require.Len(t, sleeps, len(tt.sleeps))
			for i, s := range sleeps {
				assert.GreaterOrEqual(t, s, tt.sleeps[i][0], "sleep %d", i)
				assert.LessOrEqual(t, s, tt.sleeps[i][1], "sleep %d", i)
			}
		})
	}
}

func TestRetryGivesUp(t *testing.T) {
	forever := func(f fakeapi.Fault) fakeapi.Fault {
		f.Times = 0
		return f
	}
	tests := []struct {
		name     string
		fault    fakeapi.Fault
		timeout  time.Duration // of the context; 0 for none
		attempts int64
		status   int
		excerpt  string
	}{
		{"HTML 502 every time", forever(fakeapi.BadGatewayHTML()), 0, 3,
			http.StatusBadGateway, "502 Bad Gateway</title>"},
		{"500 every time", forever(fakeapi.ServerError()), 0, 3,
			http.StatusInternalServerError, `"title":"internal server error"`},
		{"Retry-After past the deadline", fakeapi.TooManyRequests("30"),
			2 * time.Second, 1, http.StatusTooManyRequests,
			`"title":"too many requests"`},
		{"Retry-After too long", fakeapi.TooManyRequests("3600"), 0, 1,
			http.StatusTooManyRequests, "too many requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			f.FailToken(tt.fault)
			clock := newFakeClock()
			ts, err := auth.NewTokenSource(clientConfig(f.Root()),
				auth.WithClock(clock), auth.WithMaxAttempts(3))
			require.NoError(t, err)

			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			_, err = ts.TokenContext(ctx)

			var re *auth.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.status, re.StatusCode)
			assert.Contains(t, re.Excerpt, tt.excerpt)
			assert.Contains(t, err.Error(), fmt.Sprint(tt.status))
			assert.Contains(t, err.Error(), "/v1/applications/token")
			assert.Equal(t, tt.attempts, f.Stats().TokenRequests)
			assert.Len(t, clock.Sleeps(), int(tt.attempts-1))
		})
	}
}

func TestRetryCancelled(t *testing.T) {
	f := startFake(t)
	f.FailToken(fakeapi.TooManyRequests("1"))
	ts, err := auth.NewTokenSource(clientConfig(f.Root()))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = ts.TokenContext(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 900*time.Millisecond)
}

func TestBadReplies(t *testing.T) {
	tests := []struct {
		name    string
		fault   fakeapi.Fault
		is      error
		excerpt string
		message string
	}{
		{"malformed JSON", fakeapi.MalformedJSON(), auth.ErrNotJSON, "",
			"reply is not JSON"},
		{"HTML login page", fakeapi.LoginPageHTML(), auth.ErrNotJSON,
			"<!DOCTYPE html><html><body>Please sign in</body></html>",
			"200 OK: reply is not JSON"},
		{"no access_token", fakeapi.Fault{
			Status: 200, ContentType: "application/json", Times: 1,
			Body: `{"accessToken":"fake-at-x","expiresIn":180}`,
		}, nil, "", "reply has no access_token, but a field that spells it " +
			"otherwise (fields: 2 not shown) (application/json): (body " +
			"withheld: a 2xx reply may hold a token)"},
		{"expires_in not a number", fakeapi.Fault{
			Status: 200, ContentType: "application/json", Times: 1,
			Body: `{"access_token":"fake-at-x","expires_in":"soon"}`,
		}, nil, "", "expires_in"},
		{"too large", fakeapi.Fault{
			Status: 200, ContentType: "application/json", Times: 1,
			Body: `{"access_token":"` + strings.Repeat("x", 1<<20) + `"}`,
		}, nil, "", "reply is larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			f.FailToken(tt.fault)
			ts, err := auth.NewTokenSource(clientConfig(f.Root()))
			require.NoError(t, err)

			_, err = ts.TokenContext(t.Context())
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			var re *auth.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.excerpt, re.Excerpt)
			assert.Contains(t, err.Error(), tt.message)
			assert.NotContains(t, err.Error(), "fake-at-")
			assert.Equal(t, int64(1), f.Stats().TokenRequests,
				"a bad 2xx reply is not retried")
		})
	}
}

func TestSlowReply(t *testing.T) {
	f := startFake(t)
	f.FailToken(fakeapi.Slow(10 * time.Second))
	cfg := clientConfig(f.Root())
	cfg.Timeout = 200 * time.Millisecond
	ts, err := auth.NewTokenSource(cfg)
	require.NoError(t, err)

	start := time.Now()
	_, err = ts.TokenContext(t.Context())
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Less(t, time.Since(start), 2*time.Second)

	// The fault hit one request; the next one works.
	_, err = ts.TokenContext(t.Context())
	require.NoError(t, err)
}

func TestWrongCredentials(t *testing.T) {
	const (
		canaryID     = "canaryIDq7Zt2LmR9x"
		canarySecret = "canarySECRETv4Hk8Wn3pJ"
	)
	f := startFake(t)
	f.AddClient(canaryID, "the-right-secret")
	f.EchoRequests(true)
	cfg := clientConfig(f.Root())
	cfg.ClientID = secret.New(canaryID)
	cfg.ClientSecret = secret.New(canarySecret)
	ts, err := auth.NewTokenSource(cfg)
	require.NoError(t, err)

	_, err = ts.TokenContext(t.Context())
	var re *auth.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusUnauthorized, re.StatusCode)
	assert.Empty(t, re.Excerpt, "the fake echoed the request")
	assert.Equal(t, "it may echo a credential", re.Withheld)
	assert.Contains(t, err.Error(), "401 Unauthorized (application/"+
		"problem+json): (body withheld: it may echo a credential)")
	assert.Equal(t, int64(1), f.Stats().TokenRequests, "401 is not retried")

	for _, s := range []string{
		err.Error(),
		fmt.Sprintf("%+v", err),
		fmt.Sprintf("%#v", err),
		fmt.Sprintf("%#v", *re),
	} {
		assert.NotContains(t, s, canarySecret)
		assert.NotContains(t, s, canaryID)
	}
}

func TestConcurrentExchange(t *testing.T) {
	const n = 1000
	f := startFake(t)
	f.FailToken(fakeapi.Slow(50 * time.Millisecond))
	ts, err := auth.NewTokenSource(clientConfig(f.Root()))
	require.NoError(t, err)

	var ready, done sync.WaitGroup
	start := make(chan struct{})
	tokens := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			tok, err := ts.TokenContext(t.Context())
			errs[i] = err
			if err == nil {
				tokens[i] = tok.AccessToken
			}
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()

	require.NoError(t, errors.Join(errs...))
	for _, tok := range tokens {
		require.Equal(t, tokens[0], tok)
	}
	st := f.Stats()
	assert.Equal(t, int64(1), st.TokenRequests)
	assert.Equal(t, int64(1), st.Exchanges)
}

func TestLeaderCancelled(t *testing.T) {
	// The goroutine whose request runs the exchange gives up; one that
	// waited for it still gets a token.
	f := startFake(t)
	f.FailToken(fakeapi.Slow(300 * time.Millisecond))
	ts, err := auth.NewTokenSource(clientConfig(f.Root()))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	leader := make(chan error, 1)
	go func() {
		_, err := ts.TokenContext(ctx)
		leader <- err
	}()
	time.Sleep(50 * time.Millisecond)
	time.AfterFunc(50*time.Millisecond, cancel)

	tok, err := ts.TokenContext(t.Context())
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.ErrorIs(t, <-leader, context.Canceled)
	assert.Equal(t, int64(2), f.Stats().TokenRequests)
}

func TestInvalidate(t *testing.T) {
	f := startFake(t)
	ts, err := auth.NewTokenSource(clientConfig(f.Root()))
	require.NoError(t, err)

	first, err := ts.Token()
	require.NoError(t, err)
	same, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, first.AccessToken, same.AccessToken)

	ts.Invalidate()
	next, err := ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, next.AccessToken)
	assert.Equal(t, int64(2), f.Stats().Exchanges)
}

func TestLiveConfig(t *testing.T) {
	f := startFake(t)
	f.AddClient("second-client", "second-secret")
	var cur atomic.Pointer[config.CloudClientConfig]
	first := clientConfig(f.Root())
	cur.Store(first)
	c, err := auth.NewClient(first, auth.WithConfigFunc(cur.Load))
	require.NoError(t, err)
	ts := c.Transport.(*auth.Transport).Source

	get := func() string {
		t.Helper()
		status, _ := listWorkspaces(t, c, f.Root())
		require.Equal(t, http.StatusOK, status)
		tok, err := ts.Token()
		require.NoError(t, err)
		return tok.AccessToken
	}
	tok1 := get()

	// A new snapshot with the same credentials keeps the token.
	same := *first
	same.Timeout = time.Minute
	cur.Store(&same)
	assert.Equal(t, tok1, get())
	assert.Equal(t, int64(1), f.Stats().Exchanges)

	// New credentials drop it.
	rotated := same
	rotated.ClientID = secret.New("second-client")
	rotated.ClientSecret = secret.New("second-secret")
	cur.Store(&rotated)
	tok2 := get()
	assert.NotEqual(t, tok1, tok2)
	assert.Equal(t, int64(2), f.Stats().Exchanges)

	// A switch to a bearer token needs no exchange.
	cur.Store(bearerConfig(f.Root(), fakeapi.BearerToken))
	assert.Equal(t, fakeapi.BearerToken, get())
	assert.Equal(t, auth.MethodBearerToken, ts.Method())
	assert.Equal(t, int64(2), f.Stats().Exchanges)

	// A broken snapshot is an error, not a request with old credentials.
	cur.Store(&config.CloudClientConfig{APIRoot: f.Root()})
	_, err = c.Get(f.Root() + "/workspaces")
	require.ErrorIs(t, err, config.ErrSecretNotFound)
}

func TestNewTokenSourceErrors(t *testing.T) {
	id, sec := secret.New("id"), secret.New("secret")
	tests := []struct {
		name string
		cfg  *config.CloudClientConfig
		is   error
		msg  string
	}{
		{"nil", nil, nil, "auth: nil configuration"},
		{"no root", &config.CloudClientConfig{ClientID: id,
			ClientSecret: sec}, nil, "api_root: is not set"},
		{"relative root", &config.CloudClientConfig{ClientID: id,
			ClientSecret: sec, APIRoot: "/v1"}, nil, "must start with https://"},
		{"plain http elsewhere", &config.CloudClientConfig{ClientID: id,
			ClientSecret: sec, APIRoot: "http://example.invalid/v1"}, nil,
			"allow_insecure_http"},
		{"user info", &config.CloudClientConfig{ClientID: id,
			ClientSecret: sec, APIRoot: "https://u:p@example.invalid/v1"},
			nil, "user info"},
		{"nothing", &config.CloudClientConfig{
			APIRoot: "http://127.0.0.1:9/v1"}, config.ErrSecretNotFound, ""},
		{"half", &config.CloudClientConfig{ClientID: id,
			APIRoot: "http://127.0.0.1:9/v1"}, nil,
			"client_secret: is not set, but client_id is"},
		{"both", &config.CloudClientConfig{ClientID: id, ClientSecret: sec,
			BearerToken: secret.New("t"), APIRoot: "http://127.0.0.1:9/v1"},
			nil, "more than one auth method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := auth.NewTokenSource(tt.cfg)
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.msg)
			assert.NotContains(t, err.Error(), "u:p@")
		})
	}
}

// TestFailedRenewalPauses checks that a token endpoint refusing to renew
// is not asked again by every request in the renewal window, and that
// the token, still good, keeps being used meanwhile.
func TestFailedRenewalPauses(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) > 1 {
				w.Header().Set("Retry-After", "120")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"access_token":"first-4f2a","token_type":` +
				`"Bearer","expires_in":20}`))
		}))
	defer srv.Close()

	clock := newFakeClock()
	ts, err := auth.NewTokenSource(clientConfig(srv.URL+"/v1"),
		auth.WithClock(clock))
	require.NoError(t, err)
	_, err = ts.Token()
	require.NoError(t, err)

	clock.Advance(19 * time.Second) // inside the renewal window
	for range 50 {
		tok, err := ts.Token()
		require.NoError(t, err)
		assert.Equal(t, "first-4f2a", tok.AccessToken)
	}
	require.Eventually(t, func() bool { return calls.Load() >= 2 },
		10*time.Second, time.Millisecond)
	// Spread out, so that each request could start an exchange of its
	// own were renewals not paused (the fake clock does not move).
	for range 20 {
		_, err := ts.Token()
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, int64(2), calls.Load(),
		"one failed renewal, not one a request")
}
