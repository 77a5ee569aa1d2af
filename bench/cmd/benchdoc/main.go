// Command benchdoc writes docs/benchmarks.md from the output of the bench
// module's benchmarks: the median of each loader's figures, their ratio to
// hand-wired viper, the machine they ran on, and the raw lines, which
// benchstat reads as they are. With -cli it also times the start-up of the
// cloudcfg command.
//
// Usage:
//
//	benchdoc [-cli BIN -config FILE -runs N] [-cmd TEXT] RAW >benchmarks.md
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	cli := flag.String("cli", "", "the cloudcfg `binary` to time; "+
		"none to skip")
	cfg := flag.String("config", "testdata/example.yaml",
		"the `file` that the timed validate reads")
	runs := flag.Int("runs", 30, "timed runs of each command")
	command := flag.String("cmd", "", "the command that produced RAW, "+
		"to show in the document")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(),
			"usage: benchdoc [flags] RAW >benchmarks.md")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}

	if err := run(os.Stdout, flag.Arg(0), *command, *cli, *cfg,
		*runs); err != nil {
		fmt.Fprintln(os.Stderr, "benchdoc:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, rawPath, command, cli, cfg string, runs int) error {
	f, err := os.Open(rawPath)
	if err != nil {
		return err
	}
	defer f.Close()
	raw, err := parseRaw(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", rawPath, err)
	}
	if len(raw.results) == 0 {
		return fmt.Errorf("%s holds no benchmark results", rawPath)
	}

	var starts []startup
	if cli != "" {
		if starts, err = timeCLI(cli, cfg, runs); err != nil {
			return err
		}
	}
	return writeDoc(w, raw, command, starts, runs)
}

// rawOutput is what go test printed: the configuration lines (goos, cpu,
// pkg) and the results, both in order.
type rawOutput struct {
	lines   []string // the lines benchstat needs, as printed
	results []result
}

// result is one line of benchmark output.
type result struct {
	input, loader string
	ns, bytes     float64
	allocs        float64
}

func parseRaw(r io.Reader) (*rawOutput, error) {
	out := &rawOutput{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			res, ok, err := parseResult(line)
			if err != nil {
				return nil, err
			}
			if ok {
				out.results = append(out.results, res)
				out.lines = append(out.lines, line)
			}
		case isConfigLine(line):
			out.lines = append(out.lines, line)
		}
	}
	return out, sc.Err()
}

// isConfigLine reports whether line is one of the "key: value" lines that
// go test prints before the results.
func isConfigLine(line string) bool {
	key, _, ok := strings.Cut(line, ": ")
	return ok && key != "" && !strings.ContainsAny(key, " \t") &&
		key[0] >= 'a' && key[0] <= 'z'
}

// parseResult reads "BenchmarkLoad/INPUT/LOADER-N  ITER  X ns/op  Y B/op
// Z allocs/op". Lines of other benchmarks are skipped.
func parseResult(line string) (result, bool, error) {
	fields := strings.Fields(line)
	name := fields[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		name = name[:i]
	}
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] != "BenchmarkLoad" {
		return result{}, false, nil
	}

	res := result{input: parts[1], loader: parts[2]}
	for i := 2; i+1 < len(fields); i += 2 {
		var v float64
		if _, err := fmt.Sscan(fields[i], &v); err != nil {
			return result{}, false, fmt.Errorf("%q: %w", line, err)
		}
		switch fields[i+1] {
		case "ns/op":
			res.ns = v
		case "B/op":
			res.bytes = v
		case "allocs/op":
			res.allocs = v
		}
	}
	if res.ns == 0 {
		return result{}, false, fmt.Errorf("%q has no ns/op", line)
	}
	return res, true, nil
}
