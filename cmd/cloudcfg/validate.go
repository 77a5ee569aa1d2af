package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// validated is the machine-readable form of validate.
type validated struct {
	Valid bool `json:"valid"`
	// Method is the authentication method of a valid configuration:
	// "client_credentials" or "bearer_token".
	Method   string         `json:"method,omitempty"`
	APIRoot  string         `json:"api_root,omitempty"`
	Errors   []shownProblem `json:"errors"`
	Warnings []string       `json:"warnings"`
}

func methodOf(c *config.CloudClientConfig) string {
	if c.UsesBearerToken() {
		return "bearer_token"
	}
	return "client_credentials"
}

func (a *app) validateCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration; exit 1 when it is invalid",
		Long: "validate loads the configuration and reports every problem\n" +
			"with the key, the variable and the file line to fix.\n" +
			"With -o json the problems are printed as data on stdout.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(output, "text", "json"); err != nil {
				return err
			}
			c, r, err := a.load(cmd.Context())
			if err == nil {
				err = clientProblem(c, r)
			}
			if output == "json" {
				v := validated{Valid: err == nil, Errors: problemsOf(err),
					Warnings: warningsOf(r)}
				if c != nil && err == nil {
					v.Method, v.APIRoot = methodOf(c), c.APIRoot
				}
				if werr := writeData(a.stdout, "json", v); werr != nil {
					return werr
				}
				if err != nil {
					return failed
				}
				return nil
			}
			if err != nil {
				return a.reportErr(err)
			}
			method := "client credentials"
			if c.UsesBearerToken() {
				method = "bearer token"
			}
			fmt.Fprintf(a.stdout, "ok: %s, api_root %s\n", method,
				printable(c.APIRoot))
			return nil
		},
	}
	outputFlag(cmd, &output, "text or json")
	return cmd
}

// clientProblem builds the authenticated client, without a request, so
// that validate also catches what only the client reads: the
// certificates in ca_file.
func clientProblem(c *config.CloudClientConfig, r *loader.Report) error {
	_, err := auth.NewClient(c)
	if err == nil {
		return nil
	}
	p := loader.Problem{Rule: "client", Message: err.Error()}
	var ca *auth.CAFileError
	if errors.As(err, &ca) {
		p = loader.Problem{Key: "ca_file", Rule: "ca_file",
			Message: ca.Err.Error(),
			Fix: "point ca_file at a PEM file of CA certificates, or " +
				"unset it to use the system's"}
		if e, ok := r.Entry("ca_file"); ok {
			p.Source = e.Source
			if len(e.Env) > 0 {
				p.Env = e.Env[0]
			}
		}
	}
	return &loader.ValidationError{Problems: []loader.Problem{p}}
}
