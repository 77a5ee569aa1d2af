package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
	"github.com/cloudcfg/cloudcfg/secret"
)

func ExampleNewClient() {
	api := fakeapi.Start() // a local stand-in for the Airbyte API
	defer api.Close()

	cfg := &config.CloudClientConfig{
		ClientID:     secret.New(fakeapi.ClientID),
		ClientSecret: secret.New(fakeapi.ClientSecret),
		APIRoot:      api.Root(),
		Timeout:      10 * time.Second,
	}
	c, err := auth.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}

	resp, err := c.Get(cfg.APIRoot + "/workspaces?limit=2")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Data []struct{ Name string } `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status)
	for _, w := range page.Data {
		fmt.Println(w.Name)
	}
	// Output:
	// 200 OK
	// Production
	// Staging
}

func ExampleTokenSource() {
	api := fakeapi.Start()
	defer api.Close()

	cfg := &config.CloudClientConfig{
		ClientID:     secret.New(fakeapi.ClientID),
		ClientSecret: secret.New(fakeapi.ClientSecret),
		APIRoot:      api.Root(),
	}
	ts, err := auth.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := ts.TokenContext(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, tok.Valid())
	fmt.Println(time.Until(tok.Expiry).Round(time.Minute))
	// Output:
	// Bearer true
	// 3m0s
}

func ExampleCheck() {
	api := fakeapi.Start()
	defer api.Close()

	cfg := &config.CloudClientConfig{
		BearerToken: secret.New(fakeapi.BearerToken),
		APIRoot:     api.SelfManagedRoot(),
	}
	r, err := auth.Check(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Method, r.Status, r.TokenExpiry.IsZero())
	// Output:
	// bearer_token 200 OK true
}

func ExampleWithConfigFunc() {
	api := fakeapi.Start()
	defer api.Close()

	// A live configuration: a reloader stores each new snapshot.
	var current atomic.Pointer[config.CloudClientConfig]
	current.Store(&config.CloudClientConfig{
		BearerToken: secret.New(fakeapi.BearerToken),
		APIRoot:     api.Root(),
	})

	c, err := auth.NewClient(current.Load(),
		auth.WithConfigFunc(current.Load))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.Get(api.Root() + "/workspaces")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()

	// Rotated credentials take effect on the next request.
	current.Store(&config.CloudClientConfig{
		ClientID:     secret.New(fakeapi.ClientID),
		ClientSecret: secret.New(fakeapi.ClientSecret),
		APIRoot:      api.Root(),
	})
	resp, err = c.Get(api.Root() + "/workspaces")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status, api.Stats().Exchanges)
	// Output:
	// 200 OK 1
}
