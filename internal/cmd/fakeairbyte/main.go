// Command fakeairbyte serves the fake Airbyte API of package fakeapi on a
// loopback port, for demos and manual tests. It prints the API roots and
// the credentials the fake accepts, as environment variable assignments a
// shell can source, and runs until interrupted or until its standard
// input is closed.
//
// Usage:
//
//	fakeairbyte [-addr 127.0.0.1:0] [-lifetime 3m] [-token-type Bearer]
//	            [-omit-expires-in] [-stdin=false]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakeairbyte:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("fakeairbyte", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0",
		"loopback address to listen on")
	lifetime := fs.Duration("lifetime", fakeapi.DefaultLifetime,
		"lifetime of the tokens issued")
	tokenType := fs.String("token-type", "Bearer",
		"token_type of the token replies")
	omit := fs.Bool("omit-expires-in", false,
		"leave expires_in out of the token replies")
	watchStdin := fs.Bool("stdin", true,
		"stop when standard input is closed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !fakeapi.Loopback(*addr) {
		return fmt.Errorf("-addr %q is not a loopback address", *addr)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fake := fakeapi.New()
	fake.URL = "http://" + ln.Addr().String()
	fake.SetLifetime(*lifetime)
	fake.SetTokenType(*tokenType)
	fake.OmitExpiresIn(*omit)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt,
		syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			io.Copy(io.Discard, stdin)
			stop()
		}()
	}

	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	fmt.Fprintf(stdout, "# fake Airbyte API on %s\n", fake.URL)
	fmt.Fprintf(stdout, "# self-managed root: %s\n", fake.SelfManagedRoot())
	fmt.Fprintf(stdout, "# or, instead of the client credentials: "+
		"AIRBYTE_CLOUD_BEARER_TOKEN=%s\n", fakeapi.BearerToken)
	fmt.Fprintf(stdout, "AIRBYTE_CLOUD_API_URL=%s\n", fake.Root())
	fmt.Fprintf(stdout, "AIRBYTE_CLOUD_CLIENT_ID=%s\n", fakeapi.ClientID)
	fmt.Fprintf(stdout, "AIRBYTE_CLOUD_CLIENT_SECRET=%s\n",
		fakeapi.ClientSecret)

	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil &&
		!errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
