package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// startup is the wall time of one command, run many times.
type startup struct {
	args  []string
	times []time.Duration // sorted
}

// timeCLI runs "cloudcfg --version" and "cloudcfg validate -c cfg" runs
// times each, after one run that is not timed, in a bare environment: a
// PATH, an empty HOME and the client secret the example file leaves out.
// A run that fails is an error.
func timeCLI(bin, cfg string, runs int) ([]startup, error) {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "benchdoc-home-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AIRBYTE_CLOUD_CLIENT_ID=example-client-id",
		"AIRBYTE_CLOUD_CLIENT_SECRET=example-client-secret"}

	var out []startup
	for _, args := range [][]string{
		{"--version"},
		{"validate", "-c", cfg},
	} {
		s := startup{args: args}
		for i := range runs + 1 {
			d, err := timeRun(bin, args, env)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				s.times = append(s.times, d)
			}
		}
		slices.Sort(s.times)
		out = append(out, s)
	}
	return out, nil
}

func timeRun(bin string, args, env []string) (time.Duration, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("cloudcfg %v: %w: %s", args, err,
			bytes.TrimSpace(stderr.Bytes()))
	}
	return d, nil
}

func (s startup) median() time.Duration {
	n := len(s.times)
	if n == 0 {
		return 0
	}
	return (s.times[(n-1)/2] + s.times[n/2]) / 2
}
