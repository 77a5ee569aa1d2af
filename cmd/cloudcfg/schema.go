package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

func (a *app) schemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the configuration file",
		Long: "schema prints a JSON Schema (draft 2020-12) of the configuration\n" +
			"file format, for editors that complete and check YAML and JSON.\n" +
			"Save it and point your editor at it, or in a YAML file add:\n\n" +
			"  # yaml-language-server: $schema=cloudcfg.schema.json",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := loader.JSONSchema(&config.CloudClientConfig{})
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(b)
			return err
		},
	}
}
