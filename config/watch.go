package config

import (
	"context"

	"github.com/cloudcfg/cloudcfg/loader"
)

// Watch loads the configuration as Load does, from the same layers and
// DefaultOptions, and keeps it current: a change to a file that fed it
// reloads every layer, and a reload that fails keeps the last good
// configuration (see loader.Watch). Errors of the first load, of Reload
// and those given to loader.WithReloadError match ErrSecretNotFound as
// Load's do. Watching stops when ctx ends.
//
// Code that keeps state built from the configuration, such as a token
// cache, subscribes and compares what it uses; secrets compare with
// secret.String.Equal:
//
//	live.Subscribe(func(old, new *loader.Snapshot[config.CloudClientConfig]) {
//		if !old.Value.SameCredentials(new.Value) {
//			tokens.Invalidate()
//		}
//	})
func Watch(ctx context.Context, opts ...loader.Option) (
	*loader.Live[CloudClientConfig], error) {
	return loader.WatchFunc(ctx, LoadReport, opts...)
}

// SameCredentials reports whether c and o authenticate the same way with
// the same secrets at the same API root, so that a token obtained with
// one is good for the other. Secrets are compared in constant time.
func (c *CloudClientConfig) SameCredentials(o *CloudClientConfig) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.ClientID.Equal(o.ClientID) &&
		c.ClientSecret.Equal(o.ClientSecret) &&
		c.BearerToken.Equal(o.BearerToken) &&
		c.APIRoot == o.APIRoot
}
