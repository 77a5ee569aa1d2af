package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

	// The loading flags, which show, validate, check and token take.
	files   []string
	envFile string
	flags   *pflag.FlagSet // of the command that runs
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
		// pflag's wording quotes the second value, which is beside the
		// point.
		var rep *repeatedFlagError
		if errors.As(err, &rep) {
			return rep
		}
		return err
	})
	root.AddCommand(a.loads(a.showCmd()), a.loads(a.validateCmd()),
		a.envCmd(), a.schemaCmd(), a.loads(a.checkCmd()),
		a.loads(a.tokenCmd()))
	return root
}

// loads gives cmd, a command that loads the configuration, the loading
// flags: -c, --env-file and a flag for each key. The commands that load
// nothing do not take them, so that a flag given to one of those is a
// usage error rather than ignored. Only -c may be repeated: the others
// take one value, and a second is refused rather than let replace the
// first.
func (a *app) loads(cmd *cobra.Command) *cobra.Command {
	lf := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	lf.StringVar(&a.envFile, "env-file", "",
		"read variables from a dotenv `FILE`, below the real environment")
	if err := loader.BindFlags(lf, &config.CloudClientConfig{}); err != nil {
		panic(err)
	}
	lf.VisitAll(func(f *pflag.Flag) {
		f.Value = &onceValue{Value: f.Value, name: f.Name}
	})
	lf.StringArrayVarP(&a.files, "config", "c", nil,
		"read configuration `FILE` (repeatable; later files win)")

	fs := cmd.Flags()
	fs.AddFlagSet(lf)
	cmd.PreRun = func(*cobra.Command, []string) { a.flags = fs }
	return cmd
}

// onceValue is a flag value that may be set once.
type onceValue struct {
	pflag.Value
	name string
	set  bool
}

func (v *onceValue) Set(s string) error {
	if v.set {
		return &repeatedFlagError{name: v.name}
	}
	if s == "" && v.name == "env-file" {
		// An empty path would read nothing, silently; -c '' is refused
		// by the loader.
		return errors.New("--env-file needs a path")
	}
	v.set = true
	return v.Value.Set(s)
}

// repeatedFlagError is a flag that takes one value given twice.
type repeatedFlagError struct{ name string }

func (e *repeatedFlagError) Error() string {
	return "--" + e.name + " is given twice; it takes one value"
}

// load resolves the configuration with the command's flags.
func (a *app) load(ctx context.Context) (*config.CloudClientConfig, *loader.Report, error) {
	return config.LoadReport(ctx, a.loadOptions()...)
}

// loadOptions are the loader options that the command's flags select.
func (a *app) loadOptions() []loader.Option {
	opts := []loader.Option{
		loader.WithEnviron(a.environ),
		loader.WithFlags(a.flags),
		loader.WithStdin(a.secretStdin()),
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
