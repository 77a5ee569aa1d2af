package loader

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"
)

// benchYAML is the configuration both benchmarks read the key "name" of.
const benchYAML = "a: x\nb: x\nname: bench\n"

var benchSink string

func BenchmarkCurrent(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(benchYAML), 0o600); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := Watch[pairConfig](ctx, WithFiles(path), watchEnv(nil),
		WithDebounce(time.Hour))
	if err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	for b.Loop() {
		benchSink = l.Current().Name
	}
	if benchSink != "bench" {
		b.Fatalf("Current().Name = %q, want bench", benchSink)
	}
}

func BenchmarkViperGetString(b *testing.B) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader(benchYAML)); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	for b.Loop() {
		benchSink = v.GetString("name")
	}
	if benchSink != "bench" {
		b.Fatalf("GetString(name) = %q, want bench", benchSink)
	}
}
