package auth_test

import (
	"net/http"
	"strings"
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

	// Whether a token has expired is judged as the request leaves the
	// client: on a loaded machine (the race detector, two cores) a request
	// can reach the fake after its token's end, which the transport's
	// retry on 401 covers, and which says nothing about the client.
	var sentExpired atomic.Int64
	send := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if f.Expired(tok) {
			sentExpired.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	c, err := auth.NewClient(clientConfig(f.Root()), auth.WithTransport(send))
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
	t.Logf("requests %d, exchanges %d, arrived expired %d",
		st.Requests, st.Exchanges, st.Expired)
	assert.Zero(t, failed.Load())
	assert.Zero(t, sentExpired.Load(), "requests sent with an expired token")
	assert.GreaterOrEqual(t, st.Requests, int64(1000))
	assert.GreaterOrEqual(t, st.Exchanges, int64(8))
	// About one a lifetime (10 in 20s, renewed early), plus one for each
	// request that arrived late, when a loaded machine delayed it.
	assert.LessOrEqual(t, st.Exchanges, 14+st.Expired)
}
