package fakeapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
)

const goodBody = `{"client_id":"` + fakeapi.ClientID + `","client_secret":"` +
	fakeapi.ClientSecret + `","grant-type":"client_credentials"}`

func do(t *testing.T, method, url, contentType, body, token string) (
	*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestTokenEndpoint(t *testing.T) {
	s := fakeapi.Start()
	defer s.Close()
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
	}{
		{"cloud", "POST", "/v1/applications/token", "application/json",
			goodBody, 200},
		{"self-managed", "POST", "/api/public/v1/applications/token",
			"application/json; charset=utf-8", goodBody, 200},
		{"no grant-type", "POST", "/v1/applications/token",
			"application/json", `{"client_id":"` + fakeapi.ClientID +
				`","client_secret":"` + fakeapi.ClientSecret + `"}`, 200},
		{"form", "POST", "/v1/applications/token",
			"application/x-www-form-urlencoded",
			"client_id=a&client_secret=b", 415},
		{"no content type", "POST", "/v1/applications/token", "",
			goodBody, 415},
		{"wrong secret", "POST", "/v1/applications/token",
			"application/json", `{"client_id":"` + fakeapi.ClientID +
				`","client_secret":"nope"}`, 401},
		{"other grant", "POST", "/v1/applications/token",
			"application/json", `{"grant-type":"password"}`, 400},
		{"bad JSON", "POST", "/v1/applications/token", "application/json",
			`{"client_id":`, 400},
		{"GET", "GET", "/v1/applications/token", "", "", 405},
		{"double slash", "POST", "/v1//applications/token",
			"application/json", goodBody, 404},
		{"no prefix", "POST", "/applications/token", "application/json",
			goodBody, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, s.URL+tt.path, tt.contentType,
				tt.body, "")
			assert.Equal(t, tt.status, resp.StatusCode, body)
			if tt.status != 200 {
				assert.NotContains(t, body, fakeapi.ClientSecret)
				return
			}
			var r map[string]any
			require.NoError(t, json.Unmarshal([]byte(body), &r))
			assert.Equal(t, "Bearer", r["token_type"])
			assert.Equal(t, float64(180), r["expires_in"])
			assert.NotEmpty(t, r["access_token"])
		})
	}
}

func token(t *testing.T, s *fakeapi.Server) map[string]any {
	t.Helper()
	_, body := do(t, "POST", s.Root()+"/applications/token",
		"application/json", goodBody, "")
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	return r
}

func TestTokenSettings(t *testing.T) {
	s := fakeapi.Start()
	defer s.Close()

	s.SetTokenType("bearer")
	s.SetLifetime(15 * time.Minute)
	r := token(t, s)
	assert.Equal(t, "bearer", r["token_type"])
	assert.Equal(t, float64(900), r["expires_in"])

	s.OmitExpiresIn(true)
	r = token(t, s)
	assert.NotContains(t, r, "expires_in")

	s.EchoRequests(true)
	_, body := do(t, "POST", s.Root()+"/applications/token",
		"application/json", `{"client_id":"x","client_secret":"leak"}`, "")
	assert.Contains(t, body, "leak")
}

func TestWorkspaces(t *testing.T) {
	s := fakeapi.Start()
	defer s.Close()
	s.SetLifetime(300 * time.Millisecond)
	tok := token(t, s)["access_token"].(string)

	resp, body := do(t, "GET", s.SelfManagedRoot()+"/workspaces?limit=2",
		"", "", tok)
	require.Equal(t, 200, resp.StatusCode, body)
	var p fakeapi.Page
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	assert.Len(t, p.Data, 2)
	assert.Equal(t, s.SelfManagedRoot()+"/workspaces?limit=2&offset=2",
		p.Next)
	assert.Empty(t, p.Previous)

	resp, _ = do(t, "GET", s.Root()+"/workspaces", "", "", "")
	assert.Equal(t, 401, resp.StatusCode)
	resp, _ = do(t, "GET", s.Root()+"/workspaces", "", "", "made-up")
	assert.Equal(t, 401, resp.StatusCode)
	resp, _ = do(t, "GET", s.Root()+"/workspaces", "", "",
		fakeapi.BearerToken)
	assert.Equal(t, 200, resp.StatusCode)
	resp, _ = do(t, "GET", s.Root()+"/workspaces?limit=0", "", "", tok)
	assert.Equal(t, 400, resp.StatusCode)

	time.Sleep(400 * time.Millisecond)
	resp, _ = do(t, "GET", s.Root()+"/workspaces", "", "", tok)
	assert.Equal(t, 401, resp.StatusCode)

	st := s.Stats()
	assert.Equal(t, fakeapi.Stats{
		TokenRequests: 1, Exchanges: 1,
		Requests: 6, Unauthorized: 3, Expired: 1,
	}, st)
}

func TestFaults(t *testing.T) {
	s := fakeapi.Start()
	defer s.Close()
	s.FailToken(fakeapi.TooManyRequests("7"), fakeapi.BadGatewayHTML(),
		fakeapi.ServerError(), fakeapi.MalformedJSON(),
		fakeapi.Slow(100*time.Millisecond))

	resp, _ := do(t, "POST", s.Root()+"/applications/token",
		"application/json", goodBody, "")
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))

	resp, body := do(t, "POST", s.Root()+"/applications/token",
		"application/json", goodBody, "")
	assert.Equal(t, 502, resp.StatusCode)
	assert.Contains(t, body, "<html>")
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")

	resp, _ = do(t, "POST", s.Root()+"/applications/token",
		"application/json", goodBody, "")
	assert.Equal(t, 500, resp.StatusCode)

	resp, body = do(t, "POST", s.Root()+"/applications/token",
		"application/json", goodBody, "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.False(t, json.Valid([]byte(body)))

	start := time.Now()
	resp, _ = do(t, "POST", s.Root()+"/applications/token",
		"application/json", goodBody, "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)

	s.FailAPI(fakeapi.Fault{Status: 503})
	for range 2 {
		resp, _ = do(t, "GET", s.Root()+"/workspaces", "", "",
			fakeapi.BearerToken)
		assert.Equal(t, 503, resp.StatusCode)
	}
	s.ClearFaults()
	resp, _ = do(t, "GET", s.Root()+"/workspaces", "", "",
		fakeapi.BearerToken)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:0": true, "[::1]:8080": true, "127.9.9.9": true,
		"0.0.0.0:0": false, ":8080": false, "localhost:80": false,
		"example.invalid:443": false, "10.0.0.1:80": false,
	} {
		assert.Equal(t, want, fakeapi.Loopback(addr), addr)
	}
}
