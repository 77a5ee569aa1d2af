package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/config"
)

func (a *app) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Authenticate against api_root and report the result",
		Long: "check loads the configuration, authenticates (exchanging the\n" +
			"client credentials for a token when those are the method), and\n" +
			"lists one workspace: GET {api_root}/workspaces?limit=1. It\n" +
			"reports the method, the API root, the latencies and when the\n" +
			"token expires, and exits 1 when any step fails. The whole check,\n" +
			"retries included, takes at most twice the timeout.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.load(cmd.Context())
			if err != nil {
				return a.reportErr(err)
			}
			ctx, cancel := overall(cmd.Context(), c)
			defer cancel()
			r, err := auth.Check(ctx, c)
			if err != nil {
				return &exitError{code: 1, msg: "check failed: " + err.Error()}
			}
			fmt.Fprintf(a.stdout, "ok: authenticated with %s\n",
				methodName(r.Method))
			fmt.Fprintf(a.stdout, "api_root:      %s\n",
				printable(r.APIRoot))
			fmt.Fprintf(a.stdout, "reply:         %s in %s\n",
				printable(r.Status),
				r.Latency.Round(10*time.Microsecond))
			if !r.TokenExpiry.IsZero() {
				fmt.Fprintf(a.stdout, "token:         obtained in %s, "+
					"expires in %s (%s)\n",
					r.TokenLatency.Round(10*time.Microsecond),
					time.Until(r.TokenExpiry).Round(time.Second),
					r.TokenExpiry.UTC().Format(time.RFC3339))
			}
			return nil
		},
	}
}

// overall bounds a whole check or token command, retries included, to
// twice the configured timeout: a token endpoint that answers 429 with a
// long Retry-After must not keep a container entrypoint waiting for
// minutes. A Retry-After past the bound ends the command at once.
func overall(ctx context.Context, c *config.CloudClientConfig) (
	context.Context, context.CancelFunc) {
	if d := 2 * c.Timeout; d > c.Timeout { // not when doubling overflows
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

func methodName(m string) string {
	if m == auth.MethodBearerToken {
		return "a bearer token"
	}
	return "client credentials"
}

func (a *app) tokenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "token",
		Short: "Print an access token on stdout, for piping into curl",
		Long: "token prints an access token alone on stdout: the bearer\n" +
			"token, or one obtained with the client credentials. It is the\n" +
			"one command whose job is to print a secret. Pipe it in where\n" +
			"it is needed, and keep it off command lines, which every user\n" +
			"of the machine can read in the process list. curl 7.55 and\n" +
			"later read headers from standard input with -H @-:\n\n" +
			"  cloudcfg token | sed 's/^/Authorization: Bearer /' |\n" +
			"    curl -H @- \"$API_ROOT/workspaces\"",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.load(cmd.Context())
			if err != nil {
				return a.reportErr(err)
			}
			ts, err := auth.NewTokenSource(c)
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			ctx, cancel := overall(cmd.Context(), c)
			defer cancel()
			tok, err := ts.TokenContext(ctx)
			if err != nil {
				return &exitError{code: 1, msg: "token: " + err.Error()}
			}
			fmt.Fprintln(a.stdout, tok.AccessToken)
			return nil
		},
	}
}
