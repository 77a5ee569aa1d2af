package auth_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
)

func TestTransportLeavesRequestAlone(t *testing.T) {
	f := startFake(t)
	c, err := auth.NewClient(clientConfig(f.Root()))
	require.NoError(t, err)

	req, err := http.NewRequest(http.MethodGet, f.Root()+"/workspaces", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	req.Header["X-Multi"] = []string{"a", "b"}
	before := req.Header.Clone()

	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, before, req.Header)
}

func TestTransportOtherHost(t *testing.T) {
	// A request for a host other than the API root's, such as the target
	// of a redirect, goes without the token.
	f := startFake(t)
	var got []string
	other := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			got = append(got, r.Header.Get("Authorization"))
		}))
	defer other.Close()
	redirect := httptest.NewServer(http.RedirectHandler(other.URL,
		http.StatusFound))
	defer redirect.Close()

	c, err := auth.NewClient(clientConfig(f.Root()))
	require.NoError(t, err)
	for _, u := range []string{other.URL, redirect.URL} {
		resp, err := c.Get(u)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, []string{"", ""}, got)
}

func TestRetryOn401(t *testing.T) {
	f := startFake(t)
	c, err := auth.NewClient(clientConfig(f.Root()))
	require.NoError(t, err)
	status, _ := listWorkspaces(t, c, f.Root())
	require.Equal(t, http.StatusOK, status)

	// The server forgets the token; the body is sent again with a new
	// one.
	f.RevokeTokens()
	body := []byte(`{"name":"Replayed"}`)
	req, err := http.NewRequest(http.MethodPost, f.Root()+"/workspaces",
		bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var ws fakeapi.Workspace
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ws))
	assert.Equal(t, "Replayed", ws.Name)
	st := f.Stats()
	assert.Equal(t, int64(2), st.Exchanges)
	assert.Equal(t, int64(1), st.Unauthorized)
	assert.Equal(t, int64(3), st.Requests)
}

func TestNoRetryOn401(t *testing.T) {
	// opaque hides the reader's type, so the request has no GetBody.
	type opaque struct{ io.Reader }
	tests := []struct {
		name     string
		client   bool // client credentials, else a bearer token
		body     io.Reader
		requests int64
	}{
		{"body not replayable", true,
			opaque{strings.NewReader(`{"name":"Once"}`)}, 2},
		{"bearer token", false, strings.NewReader(`{"name":"Once"}`), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			cfg := bearerConfig(f.Root(), "not-a-known-token")
			if tt.client {
				cfg = clientConfig(f.Root())
			}
			c, err := auth.NewClient(cfg)
			require.NoError(t, err)
			if tt.client {
				status, _ := listWorkspaces(t, c, f.Root())
				require.Equal(t, http.StatusOK, status)
				f.RevokeTokens()
			}

			req, err := http.NewRequest(http.MethodPost,
				f.Root()+"/workspaces", tt.body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, tt.requests, f.Stats().Requests)

			if tt.client {
				// The token was dropped: the next request gets a new one.
				status, _ := listWorkspaces(t, c, f.Root())
				assert.Equal(t, http.StatusOK, status)
				assert.Equal(t, int64(2), f.Stats().Exchanges)
			}
		})
	}
}

func TestCAFile(t *testing.T) {
	fake := fakeapi.New()
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()

	dir := t.TempDir()
	good := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(good, pem.EncodeToMemory(&pem.Block{
		Type: "CERTIFICATE", Bytes: srv.Certificate().Raw,
	}), 0o600))
	junk := filepath.Join(dir, "junk.pem")
	require.NoError(t, os.WriteFile(junk, []byte("not a cert\n"), 0o600))
	missing := filepath.Join(dir, "missing.pem")

	t.Run("trusted", func(t *testing.T) {
		cfg := clientConfig(srv.URL + "/v1")
		cfg.CAFile = good
		c, err := auth.NewClient(cfg)
		require.NoError(t, err)
		status, _ := listWorkspaces(t, c, srv.URL+"/v1")
		assert.Equal(t, http.StatusOK, status)
	})

	t.Run("not trusted without it", func(t *testing.T) {
		c, err := auth.NewClient(clientConfig(srv.URL + "/v1"))
		require.NoError(t, err)
		_, err = c.Get(srv.URL + "/v1/workspaces")
		var ua x509.UnknownAuthorityError
		assert.ErrorAs(t, err, &ua)
	})

	bad := []struct {
		name, path, msg string
		opts            []auth.Option
	}{
		{"missing", missing, "no such file", nil},
		{"not PEM", junk, "holds no PEM certificate", nil},
		{"base is not an http.Transport", good, "needs an *http.Transport",
			[]auth.Option{auth.WithTransport(roundTripFunc(nil))}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			cfg := clientConfig(srv.URL + "/v1")
			cfg.CAFile = tt.path
			_, err := auth.NewClient(cfg, tt.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "ca_file")
			assert.Contains(t, err.Error(), tt.path)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) {
	return f(r)
}
