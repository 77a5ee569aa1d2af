package bench

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/secret"
)

func TestMain(m *testing.M) {
	if err := isolate(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// isolate keeps the runner's environment out of the results: it unsets
// the variables of the families the inputs use, and points the user's
// configuration folder at an empty one, so that config.Load discovers no
// file.
//
// It also sets every variable of every input to the empty string, which
// all the loaders take as unset. The runtime never frees the slot of a
// variable that is unset, so setting and unsetting them around each
// benchmark would make every os.Environ call of the run longer than the
// one before, and charge the loaders that read the whole environment
// (cloudcfg, koanf, caarlos0/env) for the benchmarks that ran earlier.
func isolate() error {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AIRBYTE_") ||
			strings.HasPrefix(name, appEnvPrefix+"_") ||
			name == config.ConfigVar {
			if err := os.Unsetenv(name); err != nil {
				return err
			}
		}
	}
	for _, in := range inputs {
		for k := range in.env {
			if err := os.Setenv(k, ""); err != nil {
				return err
			}
		}
	}
	home, err := os.MkdirTemp("", "cloudcfg-bench-")
	if err != nil {
		return err
	}
	return os.Setenv("XDG_CONFIG_HOME", home)
}

func setEnv(tb testing.TB, vars map[string]string) {
	for k, v := range vars {
		tb.Setenv(k, v)
	}
}

// BenchmarkLoad times each loader on each input, side by side: one load,
// from reading the files to a validated struct, per iteration. Every
// result is checked, and a wrong one stops the benchmark.
func BenchmarkLoad(b *testing.B) {
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			for _, p := range peers[in.name] {
				b.Run(p.name, func(b *testing.B) {
					setEnv(b, in.env)
					b.ReportAllocs()
					for b.Loop() {
						got, err := p.load(in.files)
						if err != nil {
							b.Fatalf("%s: %v", p.name, err)
						}
						if err := in.check(got); err != nil {
							b.Fatalf("%s: %v", p.name, err)
						}
					}
				})
			}
		})
	}
}

// TestLoad runs every loader of every input once, so that "go test" shows
// a broken wiring without running the benchmarks.
func TestLoad(t *testing.T) {
	for _, in := range inputs {
		for _, p := range peers[in.name] {
			t.Run(in.name+"/"+p.name, func(t *testing.T) {
				setEnv(t, in.env)
				got, err := p.load(in.files)
				require.NoError(t, err)
				assert.NoError(t, in.check(got))
			})
		}
	}
}

// TestLoadWrongValue makes sure that the checks the benchmarks rely on
// catch a loader that gets a value wrong, here one that misses the
// environment.
func TestLoadWrongValue(t *testing.T) {
	for _, in := range inputs {
		for _, p := range peers[in.name] {
			t.Run(in.name+"/"+p.name, func(t *testing.T) {
				setEnv(t, in.env)
				t.Setenv("AIRBYTE_CLOUD_TIMEOUT", "21s")
				got, err := p.load(in.files)
				require.NoError(t, err)
				assert.ErrorContains(t, in.check(got), "timeout = 21s")
			})
		}
	}
}

// TestChecks makes sure that each check catches every kind of field.
func TestChecks(t *testing.T) {
	c := airbyteWant
	require.NoError(t, checkAirbyte(&c))
	c.ClientSecret = secret.New("other")
	assert.ErrorContains(t, checkAirbyte(&c), "client_secret")
	c = airbyteWant
	c.ClientSecret = secret.String{}
	assert.ErrorContains(t, checkAirbyte(&c), "client_secret")
	c = airbyteWant
	c.CAFile = ""
	assert.ErrorContains(t, checkAirbyte(&c), "ca_file")
	assert.Error(t, checkAirbyte(nil))
	assert.Error(t, checkAirbyte((*config.CloudClientConfig)(nil)))

	a := appWant
	require.NoError(t, checkApp(&a))
	a.Features = []string{"search", "export"}
	assert.ErrorContains(t, checkApp(&a), "features")
	a = appWant
	a.Server.TLS.KeyFile = ""
	assert.ErrorContains(t, checkApp(&a), "server")
	a = appWant
	a.Metrics.Path = ""
	assert.ErrorContains(t, checkApp(&a), "metrics")
	a = appWant
	a.Airbyte.Timeout = time.Second
	assert.ErrorContains(t, checkApp(&a), "airbyte.timeout")
	a = appWant
	a.Database.Password = secret.String{}
	assert.ErrorContains(t, checkApp(&a), "database.password")
}
