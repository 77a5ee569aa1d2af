package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// baseline is the loader the others are compared with.
const baseline = "viper"

// targetInputs are the inputs on which cloudcfg must be no slower and
// allocate no more than the baseline.
var targetInputs = []string{"airbyte", "app"}

// stats is the median of one loader's results on one input.
type stats struct {
	input, loader      string
	runs               int
	ns, bytes, allocs  float64
	nsMin, nsMax       float64
	vsNs, vsB, vsAlloc float64 // ratios to the baseline; 0 when none
}

// summarize returns the median figures of each input and loader, in the
// order they first appear in the results.
func summarize(results []result) []stats {
	type key struct{ input, loader string }
	var order []key
	groups := map[key][]result{}
	for _, r := range results {
		k := key{r.input, r.loader}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}

	var out []stats
	for _, k := range order {
		g := groups[k]
		ns := column(g, func(r result) float64 { return r.ns })
		bs := column(g, func(r result) float64 { return r.bytes })
		as := column(g, func(r result) float64 { return r.allocs })
		out = append(out, stats{
			input: k.input, loader: k.loader, runs: len(g),
			ns: median(ns), bytes: median(bs), allocs: median(as),
			nsMin: ns[0], nsMax: ns[len(ns)-1],
		})
	}
	for i := range out {
		s := &out[i]
		for _, b := range out {
			if b.input == s.input && b.loader == baseline {
				s.vsNs = ratio(s.ns, b.ns)
				s.vsB = ratio(s.bytes, b.bytes)
				s.vsAlloc = ratio(s.allocs, b.allocs)
			}
		}
	}
	return out
}

// column returns f of every result, sorted.
func column(rs []result, f func(result) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	slices.Sort(out)
	return out
}

// median returns the middle of sorted values, the mean of the two middle
// ones when there is an even number.
func median(sorted []float64) float64 {
	n := len(sorted)
	return (sorted[(n-1)/2] + sorted[n/2]) / 2
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func writeDoc(w io.Writer, raw *rawOutput, command string,
	starts []startup, runs int) error {
	sum := summarize(raw.results)
	var b strings.Builder
	p := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
	}

	p("# Benchmarks\n\n")
	p("Written by `make bench` (the program is bench/cmd/benchdoc); ")
	p("run it again rather than editing this file.\n\n")
	p("%s", intro)

	p("## Machine\n\n")
	p("- CPU: %s, %d logical CPUs (nproc)\n", cpuModel(), runtime.NumCPU())
	p("- Go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if la := loadAverage(); la != "" {
		p("- Load average as this file was written: %s (the machine is ", la)
		p("shared; figures from a busy machine spread more)\n")
	}
	p("- Environment: %d variables as this file was written; the ",
		len(os.Environ()))
	p("benchmarks had the same ones and the inputs'. config.Load ")
	p("copies the environment once a load, to warn about unknown ")
	p("AIRBYTE_CLOUD_ variables, so cloudcfg's B/op on the Airbyte inputs ")
	p("grows by 16 bytes a variable; viper's does not\n")
	p("- Date: %s\n", time.Now().UTC().Format("2006-01-02"))
	if command != "" {
		p("- Command: `%s`\n", command)
	}
	p("\n")

	p("## Load\n\n")
	p("Medians of %d runs. The ratios divide each median by hand-wired ",
		sum[0].runs)
	p("viper's on the same input: below 1.00 is cheaper than viper.\n\n")
	p("| input | loader | time/op (min to max) | B/op | allocs/op | ")
	p("time vs viper | B vs viper | allocs vs viper |\n")
	p("| --- | --- | --- | --: | --: | --: | --: | --: |\n")
	for _, s := range sum {
		p("| %s | %s | %s (%s to %s) | %.0f | %.0f | %s | %s | %s |\n",
			s.input, s.loader, micros(s.ns), micros(s.nsMin),
			micros(s.nsMax), s.bytes, s.allocs, times(s.vsNs),
			times(s.vsB), times(s.vsAlloc))
	}
	p("\n%s\n\n", verdict(sum))

	if len(starts) > 0 {
		p("## Start-up of the command\n\n")
		p("Wall time of the built binary from exec to exit, %d runs ", runs)
		p("each after one untimed run, with only PATH, an empty HOME and ")
		p("the example's two credential variables set. ")
		p("`--version` loads nothing, so the difference between the two ")
		p("is what loading and validating the file costs.\n\n")
		p("| command | median | min | max |\n| --- | --: | --: | --: |\n")
		for _, s := range starts {
			p("| `cloudcfg %s` | %s | %s | %s |\n",
				strings.Join(s.args, " "), millis(s.median()),
				millis(s.times[0]), millis(s.times[len(s.times)-1]))
		}
		p("\n")
	}

	p("## Raw results\n\n")
	p("As go test printed them. benchstat reads this file as it is, for ")
	p("example `benchstat -filter '.fullname:/^Load\\/app\\//' ")
	p("docs/benchmarks.md`.\n\n")
	p("```text\n%s\n```\n", strings.Join(raw.lines, "\n"))

	_, err := io.WriteString(w, b.String())
	return err
}

// intro keeps every line from starting with "Benchmark" or a lower-case
// word and a colon, which benchstat would take for results or settings.
const intro = `Each benchmark, ` + "`BenchmarkLoad/INPUT/LOADER`" + `, times one
load of one input by one loader, from reading the files to a validated
struct. Every loader fills the same struct types from the same files and
variables and checks them with the same validate rules, and every
iteration compares the result with the expected values and stops the
benchmark on a difference.

Inputs (bench/testdata and bench/inputs_test.go):

- airbyte: the Airbyte client configuration, five keys from one YAML file
  and two variables, one of which overrides the file.
- app: a service configuration of 27 keys in nested sections, the Airbyte
  client among them under airbyte:, from a base file and an override file
  and five variables, with defaults for the keys nobody sets.
- airbyte-envonly: the Airbyte client from six variables and no file.

Loaders (bench/peers_test.go):

- cloudcfg: config.Load for the Airbyte inputs, loader.Load with WithFiles
  and WithEnvPrefix for app. Beyond the peers, it records where every
  value came from and what it shadowed, rejects unknown keys and values of
  the wrong type with their file and line, reads NAME_FILE secrets, warns
  about unknown AIRBYTE_CLOUD_ variables and applies the rules that tags
  cannot state. With no file named, as on airbyte-envonly, config.Load
  also looks for ./cloudcfg.yaml and $XDG_CONFIG_HOME/cloudcfg/config.yaml
  (neither exists here).
- viper: viper and validator wired by hand as a careful user would:
  defaults, AutomaticEnv with every key bound by BindEnv (aliases
  included), ReadInConfig and MergeInConfig, Unmarshal with the yaml tags
  and a TextUnmarshaler hook for secret.String, then validator.Struct.
- koanf: koanf/v2 with the confmap, file and env providers and the yaml
  parser, Unmarshal with the yaml tags, then validator.Struct. Its env
  provider maps one variable to one key, so it reads no aliases.
- caarlos0-env: caarlos0/env/v11 on the environment alone, into a struct
  of the same fields (its env tag takes no aliases), then validator.Struct.

`

// verdict says whether cloudcfg meets its target on targetInputs.
func verdict(sum []stats) string {
	var misses []string
	seen := map[string]bool{}
	for _, s := range sum {
		if s.loader != "cloudcfg" || !slices.Contains(targetInputs, s.input) {
			continue
		}
		seen[s.input] = true
		for _, m := range []struct {
			what string
			r    float64
		}{{"time", s.vsNs}, {"B/op", s.vsB}, {"allocs/op", s.vsAlloc}} {
			if m.r == 0 || m.r > 1 {
				misses = append(misses, fmt.Sprintf("%s %s %s", s.input,
					m.what, times(m.r)))
			}
		}
	}
	for _, in := range targetInputs {
		if !seen[in] {
			misses = append(misses, in+" has no results")
		}
	}
	target := "Target: on " + strings.Join(targetInputs, " and ") +
		", cloudcfg's median time, B/op and allocs/op at most viper's"
	if len(misses) == 0 {
		return target + ": met."
	}
	return target + ": not met (" + strings.Join(misses, ", ") + ")."
}

func micros(ns float64) string { return fmt.Sprintf("%.1f µs", ns/1e3) }

func millis(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func times(r float64) string {
	if r == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", r)
}

// cpuModel returns the first model name in /proc/cpuinfo.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(line, ":"); ok &&
			strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], ", ")
}
