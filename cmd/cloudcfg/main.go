// Command cloudcfg loads, validates and shows the client configuration of
// the Airbyte API, and authenticates with it.
//
// Exit codes: 0 fine, 1 the configuration is invalid, authentication
// failed or the output could not be written, 2 usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// exitError carries an exit code and a message already printed, or one
// to print.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// failed is the error of a command whose diagnostics are already on
// stderr: exit 1, print nothing more.
var failed = &exitError{code: 1}

// run runs the CLI and returns the exit code. It reads the environment
// only from environ.
func run(ctx context.Context, args []string, stdin io.Reader,
	stdout, stderr io.Writer, environ []string) int {
	app := newApp(stdin, stdout, stderr, environ)
	root := app.rootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)

	// A failed write is neither success nor a usage error, whatever the
	// command made of it.
	if werr := app.stdout.Err(); werr != nil {
		fmt.Fprintf(stderr, "cloudcfg: write output: %s\n",
			printable(werr.Error()))
		return 1
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "cloudcfg: "+printable(ee.msg))
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "cloudcfg: %s\nRun 'cloudcfg --help' for usage.\n",
		printable(err.Error()))
	return 2
}
