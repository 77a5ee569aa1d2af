package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// watchShow prints the configuration as show does, then again after each
// change to a file it came from, with the keys that changed, until ctx
// ends or a write to stdout fails. Rejected reloads are reported on
// stderr and change nothing. An invalid first configuration is shown with
// its errors, as show does.
func (a *app) watchShow(ctx context.Context, format string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex // one writer at a time on stdout and stderr
	opts := append(a.loadOptions(), loader.WithReloadError(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		a.writeRejected(err)
	}))

	// Keep the first load's report: when that load fails, it is what
	// show prints.
	var once sync.Once
	var first *loader.Report
	load := func(ctx context.Context, opts ...loader.Option) (
		*config.CloudClientConfig, *loader.Report, error) {
		c, r, err := config.LoadReport(ctx, opts...)
		once.Do(func() { first = r })
		return c, r, err
	}
	live, err := loader.WatchFunc(ctx, load, opts...)
	if err != nil {
		if first != nil {
			if werr := a.writeShow(format, first, err); werr != nil {
				return werr
			}
		}
		return a.reportErr(err)
	}

	mu.Lock()
	shown := live.Snapshot()
	live.Subscribe(func(old, new *loader.Snapshot[config.CloudClientConfig]) {
		mu.Lock()
		defer mu.Unlock()
		if new.Generation <= shown.Generation {
			return // printed already
		}
		a.writeChange(format, new.Changed(old), new.Report)
		shown = new
		if a.stdout.Err() != nil {
			cancel() // nothing more can be shown; run reports why
		}
	})
	err = a.writeShow(format, shown.Report, nil)
	mu.Unlock()
	if err != nil {
		cancel()
	}

	<-ctx.Done()
	<-live.Done()
	return err
}

// writeChange prints a reloaded configuration: for text, a line naming
// the keys that changed and the table; for json and yaml, one more
// document.
func (a *app) writeChange(format string, keys []string, r *loader.Report) {
	switch format {
	case "yaml":
		fmt.Fprintln(a.stdout, "---")
	case "text":
		if len(keys) == 0 {
			fmt.Fprintln(a.stdout, "\nreloaded:")
		} else {
			fmt.Fprintf(a.stdout, "\nreloaded (%s changed):\n",
				strings.Join(keys, ", "))
		}
	}
	if err := a.writeShow(format, r, nil); err != nil &&
		a.stdout.Err() == nil {
		fmt.Fprintf(a.stderr, "cloudcfg: %s\n", printable(err.Error()))
	}
}

// writeRejected reports a rejected reload, or a failure to watch, on
// stderr.
func (a *app) writeRejected(err error) {
	var ve *loader.ValidationError
	if errors.As(err, &ve) {
		a.writeProblems("reload rejected, keeping the last good "+
			"configuration", ve)
		return
	}
	fmt.Fprintf(a.stderr, "cloudcfg: %s\n", printable(err.Error()))
}
