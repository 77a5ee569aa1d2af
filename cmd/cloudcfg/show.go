package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/cloudcfg/cloudcfg/loader"
)

// shown is the machine-readable form of show and validate.
type shown struct {
	Values   map[string]shownValue `json:"values,omitempty" yaml:"values,omitempty"`
	Shadowed []shownShadow         `json:"shadowed" yaml:"shadowed"`
	Errors   []shownProblem        `json:"errors" yaml:"errors"`
}

type shownValue struct {
	Value  string `json:"value" yaml:"value"`
	Source string `json:"source" yaml:"source"`
}

type shownShadow struct {
	Key    string `json:"key" yaml:"key"`
	Value  string `json:"value" yaml:"value"`
	Source string `json:"source" yaml:"source"`
	By     string `json:"by" yaml:"by"`
}

type shownProblem struct {
	Key     string `json:"key" yaml:"key"`
	Env     string `json:"env,omitempty" yaml:"env,omitempty"`
	Source  string `json:"source,omitempty" yaml:"source,omitempty"`
	Rule    string `json:"rule" yaml:"rule"`
	Message string `json:"message" yaml:"message"`
	Fix     string `json:"fix,omitempty" yaml:"fix,omitempty"`
}

func sourceText(s *loader.Source) string {
	if s == nil {
		return ""
	}
	return s.String()
}

func problemsOf(err error) []shownProblem {
	out := []shownProblem{}
	var ve *loader.ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			out = append(out, shownProblem{Rule: "load", Message: err.Error()})
		}
		return out
	}
	for _, p := range ve.Problems {
		out = append(out, shownProblem{Key: p.Key, Env: p.Env,
			Source: sourceText(p.Source), Rule: p.Rule, Message: p.Message,
			Fix: p.Fix})
	}
	return out
}

func toShown(r *loader.Report, err error, values bool) shown {
	s := shown{Shadowed: []shownShadow{}, Errors: problemsOf(err)}
	if r == nil {
		return s
	}
	if values {
		s.Values = map[string]shownValue{}
		for _, e := range r.Values {
			s.Values[e.Key] = shownValue{Value: e.Value,
				Source: sourceText(e.Source)}
		}
	}
	for _, sh := range r.Shadowed {
		s.Shadowed = append(s.Shadowed, shownShadow{Key: sh.Key,
			Value: sh.Value, Source: sh.Source.String(), By: sh.By.String()})
	}
	return s
}

func (a *app) showCmd() *cobra.Command {
	var output string
	var watch bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print each key, its value and where it came from",
		Long: "show prints every key with its value (secrets as [REDACTED])\n" +
			"and its source, then the values that a higher layer hid.\n" +
			"An invalid configuration is still shown; the errors follow on\n" +
			"stderr and the exit code is 1.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(output, "text", "json", "yaml"); err != nil {
				return err
			}
			if watch {
				return a.watchShow(cmd.Context(), output)
			}
			_, r, err := a.load(cmd.Context())
			if r != nil {
				if werr := a.writeShow(output, r, err); werr != nil {
					return werr
				}
			}
			return a.reportErr(err)
		},
	}
	outputFlag(cmd, &output, "text, json or yaml")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false,
		"keep running, and print the configuration again each time a "+
			"file it came from changes")
	return cmd
}

func checkFormat(got string, allowed ...string) error {
	for _, f := range allowed {
		if got == f {
			return nil
		}
	}
	return fmt.Errorf("unknown output format %q; use %v", got, allowed)
}

func (a *app) writeShow(format string, r *loader.Report, err error) error {
	switch format {
	case "json", "yaml":
		return writeData(a.stdout, format, toShown(r, err, true))
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
	for _, e := range r.Values {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Key, orDash(e.Value),
			orDash(sourceText(e.Source)))
	}
	if len(r.Shadowed) > 0 {
		fmt.Fprintln(tw, "\nshadowed:\t\t\t")
		fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE\tSHADOWED BY")
		for _, sh := range r.Shadowed {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sh.Key, orDash(sh.Value),
				sh.Source, sh.By)
		}
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeData(w io.Writer, format string, v any) error {
	if format == "yaml" {
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return err
		}
		return enc.Close()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// reportErr prints a load error on stderr, a problem a line, and turns it
// into exit code 1.
func (a *app) reportErr(err error) error {
	if err == nil {
		return nil
	}
	var ve *loader.ValidationError
	if !errors.As(err, &ve) {
		return &exitError{code: 1, msg: err.Error()}
	}
	a.writeProblems("the configuration is invalid", ve)
	return failed
}

// writeProblems prints "cloudcfg: what (N problems):" on stderr, then a
// problem a line.
func (a *app) writeProblems(what string, ve *loader.ValidationError) {
	fmt.Fprintf(a.stderr, "cloudcfg: %s (%d problem%s):\n", what,
		len(ve.Problems), plural(len(ve.Problems)))
	for _, p := range ve.Problems {
		fmt.Fprintln(a.stderr, "  "+p.String())
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
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
			if output == "json" {
				if werr := writeData(a.stdout, "json",
					toShown(r, err, false)); werr != nil {
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
			fmt.Fprintf(a.stdout, "ok: %s, api_root %s\n", method, c.APIRoot)
			return nil
		},
	}
	outputFlag(cmd, &output, "text or json")
	return cmd
}

func (a *app) envCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "env",
		Short: "List the variables read, set or unset, never their values",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return a.writeEnv()
		},
	}
}
