package auth_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/cloudcfg/cloudcfg/auth"
)

// cannedBase answers every request in memory: the token endpoint with a
// token that lives an hour, anything else with one shared response.
type cannedBase struct {
	resp *http.Response
	last *http.Request
}

const cannedToken = "bench-access-token-0123456789abcdef0123456789abcdef"

func (c *cannedBase) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	c.last = r
	if strings.HasSuffix(r.URL.Path, "/applications/token") {
		body := `{"access_token":"` + cannedToken +
			`","token_type":"Bearer","expires_in":3600}`
		return &http.Response{
			StatusCode: http.StatusOK,
			Status:     "200 OK",
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(bytes.NewReader([]byte(body))),
			Request:    r,
		}, nil
	}
	return c.resp, nil
}

// BenchmarkTransport measures what each transport adds to a request with
// a cached token, over a base that costs next to nothing.
func BenchmarkTransport(b *testing.B) {
	const root = "https://127.0.0.1:8443/v1"
	req, err := http.NewRequest(http.MethodGet, root+"/workspaces?limit=1",
		nil)
	require.NoError(b, err)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "bench")
	base := &cannedBase{resp: &http.Response{
		StatusCode: http.StatusOK,
		Body:       http.NoBody,
	}}

	ts, err := auth.NewTokenSource(clientConfig(root),
		auth.WithTransport(base))
	require.NoError(b, err)
	src := oauth2.ReuseTokenSource(nil, oauth2.StaticTokenSource(
		&oauth2.Token{
			AccessToken: cannedToken,
			TokenType:   "Bearer",
			Expiry:      time.Now().Add(time.Hour),
		}))

	transports := []struct {
		name string
		rt   http.RoundTripper
	}{
		{"cloudcfg", &auth.Transport{Source: ts, Base: base}},
		{"oauth2", &oauth2.Transport{Source: src, Base: base}},
	}
	for _, tt := range transports {
		b.Run(tt.name, func(b *testing.B) {
			// Warm the cache and check the header once.
			_, err := tt.rt.RoundTrip(req)
			require.NoError(b, err)
			require.Equal(b, "Bearer "+cannedToken,
				base.last.Header.Get("Authorization"))

			b.ReportAllocs()
			for b.Loop() {
				if _, err := tt.rt.RoundTrip(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
