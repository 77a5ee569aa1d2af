package auth_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/auth"
)

// TestSoak runs 8 workers for 20 seconds against tokens that live 2
// seconds: no request may carry an expired token, and tokens are renewed
// about once per lifetime, not per request.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 20 seconds")
	}
	const (
		workers  = 8
		duration = 20 * time.Second
		lifetime = 2 * time.Second
	)
	f := startFake(t)
	f.SetLifetime(lifetime)
	c, err := auth.NewClient(clientConfig(f.Root()))
	require.NoError(t, err)

	var failed atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(duration)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := c.Get(f.Root() + "/workspaces?limit=1")
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if err == nil {
					resp.Body.Close()
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()

	st := f.Stats()
	t.Logf("requests %d, exchanges %d", st.Requests, st.Exchanges)
	assert.Zero(t, failed.Load())
	assert.Zero(t, st.Expired)
	assert.Zero(t, st.Unauthorized)
	assert.GreaterOrEqual(t, st.Requests, int64(1000))
	assert.GreaterOrEqual(t, st.Exchanges, int64(8))
	assert.LessOrEqual(t, st.Exchanges, int64(14))
}
