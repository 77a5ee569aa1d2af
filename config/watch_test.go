package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cloudcfg/cloudcfg/loader"
)

// watchConfig watches the file at path with nothing from the process
// environment, and stops the watch when the test ends.
func watchConfig(t *testing.T, path string,
	opts ...loader.Option) *loader.Live[CloudClientConfig] {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithCancel(context.Background())
	opts = append([]loader.Option{loader.WithEnviron(nil),
		loader.WithFiles(path), loader.WithDebounce(time.Hour)}, opts...)
	live, err := Watch(ctx, opts...)
	if err != nil {
		cancel()
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		cancel()
		<-live.Done()
		goleak.VerifyNone(t, ignore)
	})
	return live
}

func writeConfig(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
}

func TestWatchFollowsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloudcfg.yaml")
	writeConfig(t, path, "bearer_token: tok-SeKrEt-1\n")
	live := watchConfig(t, path)
	require.True(t, live.Current().UsesBearerToken())

	type change struct {
		keys []string
		same bool
	}
	var changes []change
	live.Subscribe(func(old, new *loader.Snapshot[CloudClientConfig]) {
		changes = append(changes, change{new.Changed(old),
			old.Value.SameCredentials(new.Value)})
	})
	ctx := context.Background()

	writeConfig(t, path,
		"client_id: id-SeKrEt\nclient_secret: secret-SeKrEt\n")
	require.NoError(t, live.Reload(ctx))
	writeConfig(t, path, "client_id: id-SeKrEt\n"+
		"client_secret: secret-SeKrEt\ntimeout: 5s\n")
	require.NoError(t, live.Reload(ctx))

	c := live.Current()
	assert.True(t, c.UsesClientCredentials())
	assert.Equal(t, 5*time.Second, c.Timeout)
	assert.Equal(t, []change{
		{[]string{"client_id", "client_secret", "bearer_token"}, false},
		{[]string{"timeout"}, true},
	}, changes)
}

func TestWatchErrorsMatchSecretNotFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloudcfg.yaml")

	writeConfig(t, path, "timeout: 5s\n")
	_, err := Watch(context.Background(), loader.WithEnviron(nil),
		loader.WithFiles(path))
	require.ErrorIs(t, err, ErrSecretNotFound)

	writeConfig(t, path, "bearer_token: tok-SeKrEt-2\n")
	var heard []error
	live := watchConfig(t, path,
		loader.WithReloadError(func(err error) { heard = append(heard, err) }))
	writeConfig(t, path, "timeout: 5s\n")
	err = live.Reload(context.Background())
	require.ErrorIs(t, err, ErrSecretNotFound)
	require.Len(t, heard, 1)
	assert.ErrorIs(t, heard[0], ErrSecretNotFound)
	assert.True(t, live.Current().UsesBearerToken())
	assert.NotContains(t, err.Error(), "SeKrEt")
}

func TestSameCredentials(t *testing.T) {
	bearer := func(tok, root string) *CloudClientConfig {
		c, err := New(WithBearerToken(tok), WithAPIRoot(root))
		require.NoError(t, err)
		return c
	}
	creds := func(id, secret string) *CloudClientConfig {
		c, err := New(WithClientCredentials(id, secret))
		require.NoError(t, err)
		return c
	}
	tests := []struct {
		name string
		a, b *CloudClientConfig
		want bool
	}{
		{"same token", bearer("t1", CloudAPIRoot),
			bearer("t1", CloudAPIRoot), true},
		{"other token", bearer("t1", CloudAPIRoot),
			bearer("t2", CloudAPIRoot), false},
		{"other root", bearer("t1", CloudAPIRoot),
			bearer("t1", "https://airbyte.example.com/api/public/v1"), false},
		{"same credentials", creds("id", "s1"), creds("id", "s1"), true},
		{"other secret", creds("id", "s1"), creds("id", "s2"), false},
		{"other id", creds("id1", "s1"), creds("id2", "s1"), false},
		{"other method", creds("id", "s1"), bearer("s1", CloudAPIRoot),
			false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.a.SameCredentials(tt.b))
			assert.Equal(t, tt.want, tt.b.SameCredentials(tt.a))
		})
	}
}

func ExampleWatch() {
	dir, err := os.MkdirTemp("", "cloudcfg-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cloudcfg.yaml")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			panic(err)
		}
	}
	write("bearer_token: example-token\n")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live, err := Watch(ctx, loader.WithFiles(path),
		loader.WithEnviron(nil))
	if err != nil {
		panic(err)
	}
	live.Subscribe(func(old, new *loader.Snapshot[CloudClientConfig]) {
		fmt.Println("changed:", new.Changed(old))
	})
	fmt.Println("timeout:", live.Current().Timeout)

	// Reload runs at once what a file change runs after the debounce.
	write("bearer_token: example-token\ntimeout: 10s\n")
	if err := live.Reload(ctx); err != nil {
		panic(err)
	}
	fmt.Println("timeout:", live.Current().Timeout)

	write("timeout: 10s\n")
	err = live.Reload(ctx)
	fmt.Println("rejected:", errors.Is(err, ErrSecretNotFound))
	fmt.Println("still:", live.Current().BearerToken)

	// Output:
	// timeout: 30s
	// changed: [timeout]
	// timeout: 10s
	// rejected: true
	// still: [REDACTED]
}
