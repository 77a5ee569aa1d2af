package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// envVar is one variable the loader reads, as env prints it.
type envVar struct {
	Name  string `json:"name"`
	Key   string `json:"key,omitempty"`
	State string `json:"state"` // "set", "empty" or "unset"
	Note  string `json:"note,omitempty"`
}

func (a *app) envCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "List the variables read, set or unset, never their values",
		Long: "env lists every environment variable cloudcfg reads: the one\n" +
			"for each key, its aliases (lower priority), the _FILE form of\n" +
			"each secret, and those that choose the configuration files.\n" +
			"Each is set, empty (which counts as unset) or unset here.\n" +
			"Values are never printed.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkFormat(output, "text", "json"); err != nil {
				return err
			}
			vars, err := a.envVars()
			if err != nil {
				return err
			}
			if output == "json" {
				return writeData(a.stdout, "json", vars)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VARIABLE\tKEY\tSTATE\tNOTE")
			for _, v := range vars {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(v.Name),
					orDash(v.Key), v.State, orDash(v.Note))
			}
			return tw.Flush()
		},
	}
	outputFlag(cmd, &output, "text or json")
	return cmd
}

// envVars lists every variable the loader reads and whether it is set,
// empty or unset in the app's environment.
func (a *app) envVars() ([]envVar, error) {
	keys, err := loader.Describe(&config.CloudClientConfig{})
	if err != nil {
		return nil, err
	}
	set := map[string]string{}
	for _, kv := range a.environ {
		if name, v, ok := strings.Cut(kv, "="); ok && name != "" {
			set[name] = v
		}
	}
	state := func(name string) string {
		v, ok := set[name]
		switch {
		case !ok:
			return "unset"
		case v == "":
			return "empty"
		}
		return "set"
	}

	var vars []envVar
	add := func(name, key, note string) {
		vars = append(vars, envVar{Name: name, Key: key,
			State: state(name), Note: note})
	}
	for _, k := range keys {
		for i, name := range k.Env {
			note := ""
			if i > 0 {
				note = "alias, below " + k.Env[0]
			}
			add(name, k.Key, note)
		}
		if k.FileEnv != "" {
			add(k.FileEnv, k.Key, "path of a file holding the secret")
		}
	}
	add(config.ConfigVar, "", "config files, separated as PATH is")
	add("XDG_CONFIG_HOME", "", "holds cloudcfg/config.yaml, when no "+
		"file is named")
	add("HOME", "", "~/.config stands in for an unset XDG_CONFIG_HOME")
	return vars, nil
}
