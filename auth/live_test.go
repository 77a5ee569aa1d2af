package auth_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
	"github.com/cloudcfg/cloudcfg/loader"
)

// TestClientFollowsLiveConfig wires the client to a watched configuration
// file: rotating the credentials in the file drops the token obtained
// with the old ones, so the next request exchanges the new ones, and a
// rejected reload leaves the client on the last good credentials.
func TestClientFollowsLiveConfig(t *testing.T) {
	f := fakeapi.Start()
	defer f.Close()
	f.AddClient("rotated-id", "rotated-secret")

	path := filepath.Join(t.TempDir(), "cloudcfg.yaml")
	write := func(id, secret string) {
		t.Helper()
		body := "client_id: " + id + "\nclient_secret: " + secret + "\n"
		tmp := path + ".tmp"
		require.NoError(t, os.WriteFile(tmp, []byte(body), 0o600))
		require.NoError(t, os.Rename(tmp, path))
	}
	write(fakeapi.ClientID, fakeapi.ClientSecret)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live, err := config.Watch(ctx, loader.WithFiles(path),
		loader.WithEnviron([]string{"AIRBYTE_CLOUD_API_URL=" + f.Root()}),
		loader.WithDebounce(20*time.Millisecond))
	require.NoError(t, err)

	c, err := auth.NewClient(live.Current(), auth.WithConfigFunc(live.Current))
	require.NoError(t, err)
	get := func() int {
		t.Helper()
		resp, err := c.Get(f.Root() + "/workspaces?limit=1")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}

	require.Equal(t, http.StatusOK, get())
	require.Equal(t, http.StatusOK, get())
	assert.Equal(t, int64(1), f.Stats().Exchanges, "the token is cached")

	write("rotated-id", "rotated-secret")
	require.Eventually(t, func() bool {
		return live.Current().ClientID.Reveal() == "rotated-id"
	}, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, http.StatusOK, get())
	assert.Equal(t, int64(2), f.Stats().Exchanges,
		"new credentials mean a new token")

	// An invalid file is rejected; the client keeps working.
	before := live.Snapshot().Generation
	require.NoError(t, os.WriteFile(path, []byte("client_id: [\n"), 0o600))
	time.Sleep(100 * time.Millisecond) // several debounce periods
	assert.Equal(t, before, live.Snapshot().Generation)
	require.Equal(t, http.StatusOK, get())
	assert.Equal(t, int64(2), f.Stats().Exchanges)

	f.RemoveClient("rotated-id")
	write(fakeapi.ClientID, fakeapi.ClientSecret)
	require.Eventually(t, func() bool {
		return live.Current().ClientID.Reveal() == fakeapi.ClientID
	}, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, http.StatusOK, get())
	assert.Equal(t, int64(3), f.Stats().Exchanges)
}
