package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
)

func TestCheck(t *testing.T) {
	f := startFake(t)
	clock := newFakeClock()
	tests := []struct {
		name   string
		cfg    *config.CloudClientConfig
		method string
		expiry time.Time
	}{
		{"client credentials", clientConfig(f.Root() + "/"),
			auth.MethodClientCredentials, clock.Now().Add(3 * time.Minute)},
		{"bearer token", bearerConfig(f.SelfManagedRoot(),
			fakeapi.BearerToken), auth.MethodBearerToken, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := auth.Check(t.Context(), tt.cfg, auth.WithClock(clock))
			require.NoError(t, err)
			assert.Equal(t, tt.method, r.Method)
			assert.Equal(t, tt.cfg.APIRoot[:len(r.APIRoot)], r.APIRoot)
			assert.NotContains(t, r.APIRoot[len(r.APIRoot)-1:], "/")
			assert.Equal(t, "200 OK", r.Status)
			assert.Equal(t, tt.expiry, r.TokenExpiry)
			assert.Positive(t, r.Latency)
		})
	}
}

func TestCheckFails(t *testing.T) {
	const canary = "canaryBEARERr8Kd2Qx5"
	tests := []struct {
		name     string
		fault    *fakeapi.Fault
		status   int
		is       error
		excerpt  string
		withheld string
	}{
		{"unknown token", nil, http.StatusUnauthorized, nil,
			`"detail":"invalid or expired access token"`, ""},
		{"echoed token", &fakeapi.Fault{Status: http.StatusForbidden,
			ContentType: "text/plain", Times: 1,
			Body: "token " + canary + " may not list workspaces"},
			http.StatusForbidden, nil, "", "it may echo a credential"},
		{"HTML page", ptr(fakeapi.LoginPageHTML()), http.StatusOK,
			auth.ErrNotJSON, "Please sign in", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			if tt.fault != nil {
				f.AddBearerToken(canary)
				f.FailAPI(*tt.fault)
			}
			r, err := auth.Check(t.Context(), bearerConfig(f.Root(), canary))
			var re *auth.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.status, re.StatusCode)
			assert.Contains(t, re.Excerpt, tt.excerpt)
			assert.Equal(t, tt.withheld, re.Withheld)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.NotContains(t, err.Error(), canary)
			assert.Contains(t, err.Error(), "auth: check to "+f.Root()+
				"/workspaces?limit=1: ")
			require.NotNil(t, r)
			assert.Equal(t, auth.MethodBearerToken, r.Method)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestCheckRedirectedElsewhere(t *testing.T) {
	f := startFake(t)
	other := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			assert.Empty(t, r.Header.Get("Authorization"),
				"the token went to another host")
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"data":[]}`))
		}))
	defer other.Close()
	front := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/applications/token") {
				f.ServeHTTP(w, r)
				return
			}
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
		}))
	defer front.Close()

	cfg := clientConfig(front.URL + "/v1")
	_, err := auth.Check(context.Background(), cfg)
	require.ErrorIs(t, err, auth.ErrRedirected)
}

func TestTokenWithLineBreakIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"access_token":"at\nInjected9Qz",` +
				`"token_type":"Bearer","expires_in":180}`))
		}))
	defer srv.Close()

	ts, err := auth.NewTokenSource(clientConfig(srv.URL + "/v1"))
	require.NoError(t, err)
	_, err = ts.Token()
	require.ErrorIs(t, err, auth.ErrTokenText)
	assert.NotContains(t, err.Error(), "Injected9Qz")
}
