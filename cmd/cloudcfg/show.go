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

// shown is the machine-readable form of show.
type shown struct {
	Values   map[string]shownValue `json:"values" yaml:"values"`
	Shadowed []shownShadow         `json:"shadowed" yaml:"shadowed"`
	Errors   []shownProblem        `json:"errors" yaml:"errors"`
	Warnings []string              `json:"warnings" yaml:"warnings"`
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

// shownProblem is one problem as data. Source is "" when the problem is
// that something is not set at all.
type shownProblem struct {
	Key     string `json:"key" yaml:"key"`
	Env     string `json:"env,omitempty" yaml:"env,omitempty"`
	Source  string `json:"source" yaml:"source"`
	Rule    string `json:"rule" yaml:"rule"`
	Message string `json:"message" yaml:"message"`
	Fix     string `json:"fix" yaml:"fix"`
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

func warningsOf(r *loader.Report) []string {
	if r == nil || r.Warnings == nil {
		return []string{}
	}
	return r.Warnings
}

func toShown(r *loader.Report, err error) shown {
	s := shown{Values: map[string]shownValue{}, Shadowed: []shownShadow{},
		Errors: problemsOf(err), Warnings: warningsOf(r)}
	if r == nil {
		return s
	}
	for _, e := range r.Values {
		s.Values[e.Key] = shownValue{Value: e.Value,
			Source: sourceText(e.Source)}
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
		return writeData(a.stdout, format, toShown(r, err))
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
	for _, e := range r.Values {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", printable(e.Key),
			orDash(printable(e.Value)),
			orDash(printable(sourceText(e.Source))))
	}
	if err := tw.Flush(); err != nil || len(r.Shadowed) == 0 {
		return err
	}

	fmt.Fprintln(a.stdout, "\nshadowed by a higher layer:")
	tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE\tSHADOWED BY")
	for _, sh := range r.Shadowed {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(sh.Key),
			orDash(printable(sh.Value)), printable(sh.Source.String()),
			printable(sh.By.String()))
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

// reportErr prints a load error on stderr, a problem and its fix a line
// each, and turns it into exit code 1.
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
// problem a line, and its fix on the next.
func (a *app) writeProblems(what string, ve *loader.ValidationError) {
	fmt.Fprintf(a.stderr, "cloudcfg: %s (%d problem%s):\n", what,
		len(ve.Problems), plural(len(ve.Problems)))
	for _, p := range ve.Problems {
		fix := p.Fix
		p.Fix = ""
		fmt.Fprintln(a.stderr, "  "+printable(p.String()))
		if fix != "" {
			fmt.Fprintln(a.stderr, "    fix: "+printable(fix))
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
