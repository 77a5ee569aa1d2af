package main

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
)

// recipeChildVar makes the test binary, run again by TestTokenRecipe,
// stand in for cloudcfg: it runs the command line after its test flags.
const recipeChildVar = "CLOUDCFG_TOKEN_RECIPE_CHILD"

// TestTokenRecipe runs the pipeline that token --help recommends, as
// written there, against a server on loopback, and checks that the
// server gets the token and that the help keeps it off command lines.
func TestTokenRecipe(t *testing.T) {
	if os.Getenv(recipeChildVar) != "" {
		os.Exit(run(context.Background(), flag.Args(), os.Stdin,
			os.Stdout, os.Stderr, os.Environ()))
	}

	help := runCLI(t, []string{"token", "--help"}, nil, "")
	require.Equal(t, 0, help.code, help.stderr)
	assert.NotContains(t, help.stdout, "$(cloudcfg token)",
		"a token in an argument shows in the process list")
	_, recipe, ok := strings.Cut(help.stdout, "\n  cloudcfg token |")
	require.True(t, ok, "no recipe in:\n%s", help.stdout)
	recipe, _, _ = strings.Cut(recipe, "\n\n")
	recipe = "cloudcfg token |" + recipe

	for _, tool := range []string{"bash", "sed", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, r.URL.Path+" "+r.Header.Get("Authorization"))
		}))
	defer srv.Close()

	// cloudcfg, in the recipe, is this test binary.
	script := "cloudcfg() { \"$TEST_BINARY\" -test.run='^TestTokenRecipe$' " +
		"\"$@\"; }\nset -o pipefail\n" + recipe
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"TEST_BINARY=" + os.Args[0], recipeChildVar + "=1",
		"API_ROOT=" + srv.URL + "/v1",
		"AIRBYTE_CLOUD_API_URL=" + srv.URL + "/v1",
		"AIRBYTE_CLOUD_BEARER_TOKEN=tok-recipe"}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", script, out)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"/v1/workspaces Bearer tok-recipe"}, got)
}

func TestCheckIsBoundedByTwiceTheTimeout(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}))
	defer slow.Close()

	// Without the bound, the token exchange would wait out the 30s
	// Retry-After of every attempt: this is a hang guard, far above what
	// the command takes, not a measure of speed.
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"check", "--timeout",
			"1s"}, strings.NewReader(""), &stdout, &stderr, []string{
			"AIRBYTE_CLOUD_API_URL=" + slow.URL + "/v1",
			"AIRBYTE_CLOUD_CLIENT_ID=id", "AIRBYTE_CLOUD_CLIENT_SECRET=s"})
	}()
	select {
	case code := <-done:
		assert.Equal(t, 1, code, stderr.String())
		assert.Contains(t, stderr.String(), "429")
	case <-time.After(25 * time.Second):
		t.Fatal("check waited out the Retry-After")
	}
}

func TestOverallWithHugeTimeout(t *testing.T) {
	c := &config.CloudClientConfig{Timeout: time.Duration(1<<62) + 1}
	ctx, cancel := overall(context.Background(), c)
	defer cancel()
	_, has := ctx.Deadline()
	assert.False(t, has, "a doubled timeout that overflows sets no deadline")
	assert.NoError(t, ctx.Err())
}
