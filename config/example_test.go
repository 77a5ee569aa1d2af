package config_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// Load resolves the configuration from a file and the environment; every
// value keeps its source.
func ExampleLoadReport() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cloudcfg.yaml")
	os.WriteFile(path, []byte("client_id: my-client\ntimeout: 10s\n"), 0o600)

	cfg, report, err := config.LoadReport(context.Background(),
		loader.WithFiles(path),
		loader.WithEnviron([]string{"AIRBYTE_CLOUD_CLIENT_SECRET=s3cr3t"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.UsesClientCredentials(), cfg.ClientSecret, cfg.Timeout)
	src, _ := report.Source("client_secret")
	fmt.Println(src)
	// Output:
	// true [REDACTED] 10s
	// env AIRBYTE_CLOUD_CLIENT_SECRET
}

// Load reports every problem at once, each with the key, the variable to
// set and where the value it is about came from.
func ExampleLoad_invalid() {
	_, err := config.Load(context.Background(),
		loader.WithEnviron([]string{"AIRBYTE_CLOUD_CLIENT_ID=my-client"}))
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p.Key, p.Rule, p.Env)
			fmt.Println(p.Source)
		}
	}
	// Output:
	// client_secret half_unit AIRBYTE_CLOUD_CLIENT_SECRET
	// env AIRBYTE_CLOUD_CLIENT_ID
}

// FromEnv reads the environment alone, bearer token first, as PyAirbyte's
// from_env does.
func ExampleFromEnv() {
	os.Setenv("AIRBYTE_CLOUD_BEARER_TOKEN", "my-token")
	defer os.Unsetenv("AIRBYTE_CLOUD_BEARER_TOKEN")

	cfg, err := config.FromEnv(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.UsesBearerToken(), cfg.BearerToken, cfg.APIRoot)
	// Output: true [REDACTED] https://api.airbyte.com/v1
}

// A missing credential variable gives a *SecretNotFoundError that matches
// ErrSecretNotFound.
func ExampleFromEnv_notFound() {
	os.Setenv("AIRBYTE_CLOUD_CLIENT_ID", "my-client")
	defer os.Unsetenv("AIRBYTE_CLOUD_CLIENT_ID")

	_, err := config.FromEnv(context.Background())
	var nf *config.SecretNotFoundError
	fmt.Println(errors.Is(err, config.ErrSecretNotFound),
		errors.As(err, &nf) && nf.Name == "AIRBYTE_CLOUD_CLIENT_SECRET")
	// Output: true true
}

// New builds a configuration from Go values, with the same rules as Load.
func ExampleNew() {
	cfg, err := config.New(
		config.WithClientCredentials("my-client", "s3cr3t"),
		config.WithAPIRoot("http://localhost:8000/api/public/v1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.UsesClientCredentials(), cfg.ConfigAPIRoot)

	_, err = config.New(config.WithClientCredentials("my-client", "s3cr3t"),
		config.WithBearerToken("my-token"))
	fmt.Println(err != nil)
	// Output:
	// true http://localhost:8000/api/v1
	// true
}
