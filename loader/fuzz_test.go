package loader_test

import (
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cloudcfg/cloudcfg/loader"
)

// quoteDotenv writes v as a double-quoted dotenv value.
func quoteDotenv(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(v) + `"`
}

// bare matches values that may be written without quotes.
var bare = regexp.MustCompile(`^[A-Za-z0-9_.:/+=,@%-]*$`)

func FuzzParseDotenv(f *testing.F) {
	for _, seed := range []struct{ file, value string }{
		{"KEY=value\n", "value"},
		{"export A='x y'\n# c\n\nB=\"q\\\"\\n\" # note\r\n", `a"b`},
		{"\ufeffA=1\nA=2", "line1\nline2"},
		{"KEY=\"open\n", `back\slash`},
		{"1BAD=x", ""},
		{"A=b # c\tB=d", "\x00\t\r"},
		{"export\tK=v", "'single'"},
	} {
		f.Add(seed.file, seed.value)
	}
	f.Fuzz(func(t *testing.T, file, value string) {
		// Any input: no panic, and either values or a located error.
		vals, lines, err := loader.ParseDotenv("f.env",
			strings.NewReader(file))
		if err != nil {
			var de *loader.DotenvError
			if errors.As(err, &de) && (de.Line < 1 || de.Path != "f.env") {
				t.Fatalf("error %v has line %d, path %q", err, de.Line,
					de.Path)
			}
			return
		}
		nLines := strings.Count(file, "\n") + 1
		for k, v := range vals {
			if !bare.MatchString(k) || k == "" || k[0] >= '0' && k[0] <= '9' {
				t.Errorf("key %q is not a variable name", k)
			}
			if n := lines[k]; n < 1 || n > nLines {
				t.Errorf("key %q on line %d of %d", k, n, nLines)
			}
			_ = v
		}

		// Every parsed value, written back double-quoted, reads the same.
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(vals)) {
			b.WriteString(k + "=" + quoteDotenv(vals[k]) + "\n")
		}
		again, _, err := loader.ParseDotenv("f.env",
			strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", b.String(), err)
		}
		if !maps.Equal(vals, again) {
			t.Fatalf("re-parse of %q = %q, want %q", b.String(), again, vals)
		}

		// A simple value survives each way of quoting it.
		if len(value) > 4096 {
			return
		}
		check := func(line, want string) {
			t.Helper()
			got, _, err := loader.ParseDotenv("f.env",
				strings.NewReader(line))
			if err != nil {
				t.Fatalf("ParseDotenv(%q): %v", line, err)
			}
			if got["KEY"] != want {
				t.Fatalf("ParseDotenv(%q) = %q, want %q", line, got["KEY"],
					want)
			}
		}
		check("KEY="+quoteDotenv(value)+"\n", value)
		check("export KEY = "+quoteDotenv(value)+" # note\r\n", value)
		if !strings.ContainsAny(value, "'\n\r") {
			check("KEY='"+value+"'", value)
		}
		if bare.MatchString(value) {
			check("KEY="+value, value)
		}
	})
}
