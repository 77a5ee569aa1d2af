package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// writeEnv prints every variable the loader reads and whether it is set,
// empty or unset here. Values are never printed.
func (a *app) writeEnv() error {
	keys, err := loader.Describe(&config.CloudClientConfig{})
	if err != nil {
		return err
	}
	set := map[string]string{}
	for _, kv := range a.environ {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				set[kv[:i]] = kv[i+1:]
				break
			}
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

	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tKEY\tSTATE\tNOTE")
	fmt.Fprintf(tw, "%s\t-\t%s\tconfiguration files, separated as PATH is\n",
		config.ConfigVar, state(config.ConfigVar))
	for _, k := range keys {
		for i, name := range k.Env {
			note := ""
			if i > 0 {
				note = "alias, below " + k.Env[0]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, k.Key, state(name),
				orDash(note))
		}
		if k.FileEnv != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\tpath of a file holding the secret\n",
				k.FileEnv, k.Key, state(k.FileEnv))
		}
	}
	return tw.Flush()
}
