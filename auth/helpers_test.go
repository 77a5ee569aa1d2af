package auth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
	"github.com/cloudcfg/cloudcfg/secret"
)

// fakeClock is a Clock that moves only when told to or when slept on.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// startFake starts a fake API that is closed when the test ends.
func startFake(t testing.TB) *fakeapi.Server {
	t.Helper()
	f := fakeapi.Start()
	t.Cleanup(f.Close)
	return f
}

// clientConfig returns a client credentials configuration for root.
func clientConfig(root string) *config.CloudClientConfig {
	return &config.CloudClientConfig{
		ClientID:     secret.New(fakeapi.ClientID),
		ClientSecret: secret.New(fakeapi.ClientSecret),
		APIRoot:      root,
		Timeout:      5 * time.Second,
	}
}

// bearerConfig returns a bearer token configuration for root.
func bearerConfig(root, tok string) *config.CloudClientConfig {
	return &config.CloudClientConfig{
		BearerToken: secret.New(tok),
		APIRoot:     root,
		Timeout:     5 * time.Second,
	}
}

// listWorkspaces lists one workspace through c and returns the status and
// the page.
func listWorkspaces(t testing.TB, c *http.Client, root string) (int,
	fakeapi.Page) {
	t.Helper()
	resp, err := c.Get(root + "/workspaces?limit=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	var p fakeapi.Page
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode, p
}
