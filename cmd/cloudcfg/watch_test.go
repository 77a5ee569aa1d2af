package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// lockedBuffer collects output written from more than one goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (lb *lockedBuffer) Write(p []byte) (int, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.b.Write(p)
}

func (lb *lockedBuffer) String() string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.b.String()
}

func TestShowWatch(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	path := filepath.Join(dir, "cloudcfg.yaml")
	write := func(text string) {
		t.Helper()
		require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	}
	write("client_id: id-SeKrEt-1\n")
	secretFile := filepath.Join(dir, "secret")
	writeSecret := func(text string) {
		t.Helper()
		require.NoError(t, os.WriteFile(secretFile, []byte(text), 0o600))
	}
	writeSecret("sec-SeKrEt-1\n")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"show", "--watch", "-c", path},
			strings.NewReader(""), &stdout, &stderr,
			[]string{"AIRBYTE_CLOUD_CLIENT_SECRET_FILE=" + secretFile})
	}()
	eventually := func(what string, cond func() bool) {
		t.Helper()
		require.Eventually(t, cond, 20*time.Second, 10*time.Millisecond,
			"%s\nstdout:\n%s\nstderr:\n%s", what, stdout.String(),
			stderr.String())
	}
	eventually("the first table", func() bool {
		return strings.Contains(stdout.String(), "timeout")
	})
	first := stdout.String()
	assert.Contains(t, first, "env AIRBYTE_CLOUD_CLIENT_SECRET_FILE ("+
		secretFile+")")
	assert.Contains(t, first, "file "+path+":1")

	// A new timeout on line 2 of the file.
	write("client_id: id-SeKrEt-1\ntimeout: 5s\n")
	eventually("the file change", func() bool {
		return strings.Contains(stdout.String(), "reloaded (timeout changed)")
	})
	assert.Contains(t, stdout.String(), "file "+path+":2")

	// A rotated secret: its value shows only as redacted, but the change
	// is named.
	writeSecret("sec-SeKrEt-2\n")
	eventually("the secret change", func() bool {
		return strings.Contains(stdout.String(),
			"reloaded (client_secret changed)")
	})

	write("client_id: id-SeKrEt-1\nclient_secrett: x\n")
	eventually("the rejection", func() bool {
		return strings.Contains(stderr.String(), "reload rejected")
	})
	assert.Contains(t, stderr.String(), `did you mean "client_secret"?`)
	assert.Equal(t, 2, strings.Count(stdout.String(), "reloaded"))

	cancel()
	select {
	case c := <-code:
		assert.Equal(t, 0, c)
	case <-time.After(20 * time.Second):
		t.Fatal("show --watch did not stop when its context ended")
	}
	assert.NotContains(t, stdout.String()+stderr.String(), "SeKrEt")
}

func TestShowWatchInvalidAtStart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "cloudcfg.yaml")
	require.NoError(t, os.WriteFile(path,
		[]byte("bearer_token: tok-SeKrEt\nclient_id: id-SeKrEt\n"), 0o600))

	var stdout, stderr lockedBuffer
	code := run(context.Background(),
		[]string{"show", "--watch", "-o", "json", "-c", path},
		strings.NewReader(""), &stdout, &stderr, nil)

	assert.Equal(t, 1, code)
	assert.Contains(t, stdout.String(), `"errors": [`)
	assert.Contains(t, stdout.String(), `"bearer_token"`)
	assert.Contains(t, stderr.String(), "the configuration is invalid")
	assert.NotContains(t, stdout.String()+stderr.String(), "SeKrEt")
}

// TestShowWatchWriteError checks that show --watch stops when stdout
// fails, rather than watching on with nowhere to print.
func TestShowWatchWriteError(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "cloudcfg.yaml")
	require.NoError(t, os.WriteFile(path,
		[]byte("bearer_token: tok-SeKrEt\n"), 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stderr lockedBuffer
	code := run(ctx, []string{"show", "--watch", "-c", path},
		strings.NewReader(""), &fullWriter{}, &stderr, nil)

	require.NoError(t, ctx.Err(), "show --watch ran on after stdout failed")
	assert.Equal(t, 1, code)
	assert.Equal(t, "cloudcfg: write output: "+errDiskFull.Error()+"\n",
		stderr.String())
}
