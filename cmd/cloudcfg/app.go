package main

import (
	"context"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = ""

// app holds what every command shares: the streams, the environment and
// the configuration flags.
type app struct {
	stdin   io.Reader
	stdout  *outWriter // data; run reports its first failed write
	stderr  io.Writer
	environ []string
	log     *slog.Logger

	files   []string
	envFile string
	root    *cobra.Command
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, environ []string) *app {
	return &app{stdin: stdin, stdout: &outWriter{w: stdout}, stderr: stderr,
		environ: environ, log: slog.New(newLineHandler(stderr))}
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "cloudcfg",
		Short: "Load, validate and show the Airbyte API client configuration",
		Long: "cloudcfg resolves the Airbyte API client configuration from " +
			"defaults,\nconfiguration files, a dotenv file, the environment " +
			"and flags,\nvalidates it and shows where each value came from. " +
			"Secrets never print.",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return err
	})
	pf := root.PersistentFlags()
	pf.StringArrayVarP(&a.files, "config", "c", nil,
		"read configuration `FILE` (repeatable; later files win)")
	pf.StringVar(&a.envFile, "env-file", "",
		"read variables from a dotenv `FILE`, below the real environment")
	if err := loader.BindFlags(pf, &config.CloudClientConfig{}); err != nil {
		panic(err)
	}
	a.root = root

	root.AddCommand(a.showCmd(), a.validateCmd(), a.envCmd(),
		a.schemaCmd(), a.checkCmd(), a.tokenCmd())
	return root
}

// load resolves the configuration with the command's flags.
func (a *app) load(ctx context.Context) (*config.CloudClientConfig, *loader.Report, error) {
	return config.LoadReport(ctx, a.loadOptions()...)
}

// loadOptions are the loader options that the command's flags select.
func (a *app) loadOptions() []loader.Option {
	opts := []loader.Option{
		loader.WithEnviron(a.environ),
		loader.WithFlags(a.root.PersistentFlags()),
		loader.WithStdin(a.stdin),
		loader.WithLogger(a.log),
	}
	if len(a.files) > 0 {
		opts = append(opts, loader.WithFiles(a.files...))
	}
	if a.envFile != "" {
		opts = append(opts, loader.WithDotenv(a.envFile))
	}
	return opts
}

func outputFlag(cmd *cobra.Command, p *string, formats string) {
	cmd.Flags().StringVarP(p, "output", "o", "text",
		"output format: "+formats)
}
