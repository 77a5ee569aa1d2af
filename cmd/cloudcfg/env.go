package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// envVar is one variable the loader reads, or one it does not read that
// looks like one of its own, as env prints it.
type envVar struct {
	Name  string `json:"name"`
	Key   string `json:"key,omitempty"`
	State string `json:"state"` // "set", "empty" or "unset"
	Note  string `json:"note,omitempty"`
	// Unread marks a variable of the AIRBYTE_CLOUD_ family that is
	// present but that cloudcfg does not read; Nearest is the name it
	// reads that is closest, when one is close.
	Unread  bool   `json:"unread,omitempty"`
	Nearest string `json:"nearest,omitempty"`
}

// unreadPrefix is the prefix of the variables that env lists when they
// are present but not read, as the loader warns of them.
const unreadPrefix = "AIRBYTE_CLOUD_"

func (a *app) envCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "List the variables read, set or unset, never their values",
		Long: "env lists every environment variable cloudcfg reads: the one\n" +
			"for each key, its aliases (lower priority), the _FILE form of\n" +
			"each secret, and those that choose the configuration files.\n" +
			"Each is set, empty (which counts as unset) or unset here.\n" +
			"Then it lists the " + unreadPrefix + " variables present here\n" +
			"that cloudcfg does not read, with the nearest name it reads:\n" +
			"a misspelt name is otherwise easy to miss. Values are never\n" +
			"printed.",
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
			return a.writeEnv(vars)
		},
	}
	outputFlag(cmd, &output, "text or json")
	return cmd
}

// writeEnv prints vars as two tables: the variables read, then those
// not read.
func (a *app) writeEnv(vars []envVar) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tKEY\tSTATE\tNOTE")
	var unread []envVar
	for _, v := range vars {
		if v.Unread {
			unread = append(unread, v)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Name, orDash(v.Key),
			v.State, orDash(v.Note))
	}
	if err := tw.Flush(); err != nil || len(unread) == 0 {
		return err
	}

	fmt.Fprintln(a.stdout, "\nset here but not read by cloudcfg:")
	tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tSTATE\tNEAREST NAME READ")
	for _, v := range unread {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", printable(v.Name), v.State,
			orDash(v.Nearest))
	}
	return tw.Flush()
}

// envVars lists every variable the loader reads and whether it is set,
// empty or unset in the app's environment, then the variables present
// that have the loader's prefix but that it does not read.
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

	var keyVars []string // the names a misspelt one may stand for
	known := map[string]bool{}
	for _, v := range vars {
		known[v.Name] = true
		if v.Key != "" {
			keyVars = append(keyVars, v.Name)
		}
	}
	var unread []envVar
	for name := range set {
		if known[name] || !strings.HasPrefix(name, unreadPrefix) {
			continue
		}
		unread = append(unread, envVar{Name: name, State: state(name),
			Note: "not read by cloudcfg", Unread: true,
			Nearest: loader.Nearest(name, keyVars)})
	}
	slices.SortFunc(unread, func(x, y envVar) int {
		return strings.Compare(x.Name, y.Name)
	})
	return append(vars, unread...), nil
}
