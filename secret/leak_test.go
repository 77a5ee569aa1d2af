package secret_test

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"text/template"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/cloudcfg/cloudcfg/secret"
)

// canary is the secret pushed through every path. It shares no substring
// of four or more bytes with "[REDACTED]" or with the Go names printed.
const canary = "cAnArY-7d3e91b5-fq"

// leaksOf returns a description of each form of canary found in out: as
// written (in any case), in hex, as decimal bytes (what %v prints for a
// []byte) and in base64 at any alignment.
func leaksOf(out, canary string) []string {
	var found []string
	lower := strings.ToLower(out)
	forms := map[string]string{
		"plain":         strings.ToLower(canary),
		"hex":           hex.EncodeToString([]byte(canary)),
		"spaced hex":    spacedHex(canary),
		"decimal bytes": decimalBytes(canary),
	}
	for name, form := range forms {
		if strings.Contains(lower, form) {
			found = append(found, name)
		}
	}
	for pad := range 3 {
		b := append(make([]byte, pad), canary...)
		for _, enc := range []*base64.Encoding{base64.StdEncoding,
			base64.URLEncoding} {
			e := enc.EncodeToString(b)
			if strings.Contains(out, e[4:len(e)-4]) {
				found = append(found, fmt.Sprintf("base64 at %d", pad))
			}
		}
	}
	return found
}

func spacedHex(s string) string {
	parts := make([]string, len(s))
	for i := range len(s) {
		parts[i] = hex.EncodeToString([]byte{s[i]})
	}
	return strings.Join(parts, " ")
}

func decimalBytes(s string) string {
	return strings.Trim(fmt.Sprint([]byte(s)), "[]")
}

// noLeak fails t when out holds the canary in any form.
func noLeak(t *testing.T, out string) {
	t.Helper()
	if found := leaksOf(out, canary); len(found) > 0 {
		t.Errorf("the secret leaked (%s) in:\n%s",
			strings.Join(found, ", "), out)
	}
}

// Value shapes a secret travels in.
type (
	withTags struct {
		Name  string        `json:"name" yaml:"name" xml:"name"`
		Token secret.String `json:"token" yaml:"token" xml:"token"`
	}
	nested struct {
		App withTags `json:"app" yaml:"app"`
	}
	unexported struct {
		Name  string
		token secret.String
	}
	withAny struct {
		V any
	}
	// plainTags is withTags with a plain string: the control.
	plainTags struct {
		Name  string `json:"name" yaml:"name" xml:"name"`
		Token string `json:"token" yaml:"token" xml:"token"`
	}
)

func sealedValues() []struct {
	name string
	v    any
} {
	s := secret.New(canary)
	wt := withTags{Name: "n", Token: s}
	return []struct {
		name string
		v    any
	}{
		{"value", s},
		{"pointer", &s},
		{"struct", wt},
		{"struct_pointer", &wt},
		{"nested", nested{App: wt}},
		{"unexported_field", unexported{Name: "n", token: s}},
		{"interface_field", withAny{V: s}},
		{"slice", []secret.String{s, s}},
		{"map_value", map[string]secret.String{"k": s}},
		{"map_key", map[secret.String]int{s: 1}},
	}
}

// recorder is an assert.TestingT that keeps the failure messages.
type recorder struct{ bytes.Buffer }

func (r *recorder) Errorf(format string, args ...any) {
	fmt.Fprintf(&r.Buffer, format, args...)
}

// zeroOf returns the zero value of v's type, which differs from v.
func zeroOf(v any) any { return reflect.Zero(reflect.TypeOf(v)).Interface() }

func fmtPath(format string) func(any) string {
	return func(v any) string { return fmt.Sprintf(format, v) }
}

func slogPath(json bool, group bool) func(any) string {
	return func(v any) string {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewTextHandler(&buf, nil)
		if json {
			h = slog.NewJSONHandler(&buf, nil)
		}
		attr := slog.Any("v", v)
		if group {
			attr = slog.Group("g", attr, slog.Group("inner", "w", v))
		}
		slog.New(h).Info("msg", attr)
		slog.New(h).With(attr).Warn("with")
		return buf.String()
	}
}

func marshalPath(marshal func(any) ([]byte, error)) func(any) string {
	return func(v any) string {
		out, err := marshal(v)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(out)
	}
}

func textPath(v any) string {
	var out []string
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	add := func(x reflect.Value) {
		if !x.CanInterface() {
			return
		}
		if tm, ok := x.Interface().(encoding.TextMarshaler); ok {
			b, err := tm.MarshalText()
			out = append(out, string(b), fmt.Sprint(err))
			return
		}
		if x.Kind() == reflect.String {
			out = append(out, x.String())
		}
	}
	add(rv)
	if rv.Kind() == reflect.Struct {
		for i := range rv.NumField() {
			add(rv.Field(i))
		}
	}
	return strings.Join(out, "\n")
}

func gobPath(v any) string {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return "error: " + err.Error()
	}
	return buf.String()
}

func templatePath(v any) string {
	var buf bytes.Buffer
	tmpl := template.Must(template.New("t").Parse(
		"{{.}} {{printf \"%#v\" .}} {{js .}} {{html .}} {{urlquery .}}"))
	if err := tmpl.Execute(&buf, v); err != nil {
		return "error: " + err.Error()
	}
	return buf.String()
}

func testifyPath(v any) string {
	var r recorder
	assert.Equal(&r, v, zeroOf(v))
	assert.Equal(&r, zeroOf(v), v, "with a message %v", v)
	assert.Empty(&r, v)
	assert.Nil(&r, v)
	assert.Zero(&r, v)
	assert.Contains(&r, []any{zeroOf(v)}, v)
	return r.String()
}

func cmpPath(v any) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprint("panic: ", r)
		}
	}()
	return cmp.Diff(v, zeroOf(v), cmp.Exporter(
		func(reflect.Type) bool { return true }))
}

func errorPath(v any) string {
	err := fmt.Errorf("load: %v", v)
	return fmt.Errorf("wrapped: %w", err).Error()
}

func panicPath(v any) (out string) {
	defer func() {
		r := recover()
		out = fmt.Sprintf("%v %+v %#v", r, r, r)
		if err, ok := r.(error); ok {
			out += " " + err.Error()
		}
	}()
	panic(v)
}

func logPath(v any) string {
	var buf bytes.Buffer
	l := log.New(&buf, "", 0)
	l.Print(v)
	l.Printf("%v %+v %#v", v, v, v)
	l.Println(v)
	return buf.String()
}

// leakPaths are the ways a value can leave a program as text.
var leakPaths = []struct {
	name   string
	render func(any) string
}{
	{"fmt_v", fmtPath("%v")},
	{"fmt_plus_v", fmtPath("%+v")},
	{"fmt_sharp_v", fmtPath("%#v")},
	{"fmt_s", fmtPath("%s")},
	{"fmt_q", fmtPath("%q")},
	{"fmt_x", fmtPath("%x")},
	{"fmt_X", fmtPath("%X")},
	{"fmt_space_x", fmtPath("% x")},
	{"fmt_width", fmtPath("%-40v|%40s|%.3s")},
	{"fmt_d", fmtPath("%d")},
	{"Sprint", func(v any) string { return fmt.Sprint(v) }},
	{"Sprintln", func(v any) string { return fmt.Sprintln(v) }},
	{"Fprintln", func(v any) string {
		var buf bytes.Buffer
		fmt.Fprintln(&buf, "value:", v)
		return buf.String()
	}},
	{"json", marshalPath(json.Marshal)},
	{"json_indent", marshalPath(func(v any) ([]byte, error) {
		return json.MarshalIndent(v, "", "  ")
	})},
	{"yaml", marshalPath(yaml.Marshal)},
	{"xml", marshalPath(xml.Marshal)},
	{"text", textPath},
	{"gob", gobPath},
	{"slog_text", slogPath(false, false)},
	{"slog_json", slogPath(true, false)},
	{"slog_text_group", slogPath(false, true)},
	{"slog_json_group", slogPath(true, true)},
	{"log", logPath},
	{"template", templatePath},
	{"error", errorPath},
	{"panic", panicPath},
	{"testify", testifyPath},
	{"cmp_diff", cmpPath},
}

// TestLeak pushes a secret through every path in every shape and fails
// if the canary comes out. Each path is also run on a control holding the
// canary as a plain string, which must be caught, so that a path that
// loses its input cannot pass for a safe one.
func TestLeak(t *testing.T) {
	control := plainTags{Name: "n", Token: canary}
	for _, p := range leakPaths {
		t.Run(p.name, func(t *testing.T) {
			for _, v := range sealedValues() {
				t.Run(v.name, func(t *testing.T) {
					noLeak(t, p.render(v.v))
				})
			}
			t.Run("control", func(t *testing.T) {
				out := p.render(control)
				if p.name == "gob" || p.name == "text" {
					// Binary or per-field output: the canary is there
					// as written.
					require.Contains(t, out, canary)
				}
				assert.NotEmpty(t, leaksOf(out, canary),
					"the control's canary was not caught in:\n%s", out)
			})
		})
	}

	// Two secrets that differ print alike, so diffing tools fall back
	// to the fields inside a String: those must hold no plaintext.
	a := withTags{Name: "n", Token: secret.New(canary)}
	b := withTags{Name: "n", Token: secret.New(canary + "-2")}
	t.Run("diff_two_secrets", func(t *testing.T) {
		t.Run("testify", func(t *testing.T) {
			var r recorder
			assert.Equal(&r, a, b)
			assert.Equal(&r, a.Token, b.Token)
			require.NotEmpty(t, r.String(), "the values differ")
			noLeak(t, r.String())
		})
		t.Run("cmp", func(t *testing.T) {
			out := cmp.Diff(a, b) + cmp.Diff(a.Token, b.Token)
			require.NotEmpty(t, out, "the values differ")
			noLeak(t, out)
		})
	})
}

// TestLeakHarness shows that the check catches a secret that is not
// redacted, in each form it looks for.
func TestLeakHarness(t *testing.T) {
	tests := []struct {
		name string
		out  string
	}{
		{"plain", "token=" + canary},
		{"upper case", strings.ToUpper(canary)},
		{"hex", fmt.Sprintf("%x", canary)},
		{"upper hex", fmt.Sprintf("%X", canary)},
		{"spaced hex", fmt.Sprintf("% x", canary)},
		{"byte slice", fmt.Sprint([]byte(canary))},
		{"base64", base64.StdEncoding.EncodeToString([]byte(canary))},
		{"base64 inside", base64.URLEncoding.EncodeToString(
			[]byte("xy" + canary + "z"))},
		{"quoted", fmt.Sprintf("%q", canary)},
		{"json", func() string {
			b, _ := json.Marshal(plainTags{Token: canary})
			return string(b)
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotEmpty(t, leaksOf(tt.out, canary),
				"leaksOf missed the canary in %q", tt.out)
		})
	}

	t.Run("clean", func(t *testing.T) {
		assert.Empty(t, leaksOf(secret.Redacted+" secret.String", canary))
	})
}

func TestShownForms(t *testing.T) {
	tests := []struct {
		name      string
		render    func(secret.String) string
		want      string // for a set String
		wantUnset string
	}{
		{"String", secret.String.String, "[REDACTED]", ""},
		{"GoString", secret.String.GoString, `secret.String("[REDACTED]")`,
			`secret.String("")`},
		{"%v", func(s secret.String) string { return fmt.Sprintf("%v", s) },
			"[REDACTED]", ""},
		{"%#v", func(s secret.String) string { return fmt.Sprintf("%#v", s) },
			`secret.String("[REDACTED]")`, `secret.String("")`},
		{"%q", func(s secret.String) string { return fmt.Sprintf("%q", s) },
			`"[REDACTED]"`, `""`},
		{"%x", func(s secret.String) string { return fmt.Sprintf("%x", s) },
			"[REDACTED]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.render(secret.New(canary)))
			assert.Equal(t, tt.wantUnset, tt.render(secret.String{}),
				"unset")
		})
	}

	t.Run("marshal", func(t *testing.T) {
		s := secret.New(canary)
		j, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, `"[REDACTED]"`, string(j))
		txt, err := s.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, "[REDACTED]", string(txt))
		y, err := yaml.Marshal(withTags{Token: s})
		require.NoError(t, err)
		assert.Equal(t, "name: \"\"\ntoken: '[REDACTED]'\n", string(y))
		assert.Equal(t, slog.StringValue("[REDACTED]"), s.LogValue())
	})
}
