package secret_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/cloudcfg/cloudcfg/secret"
)

// renderings are the printing and marshalling paths of a String. Each
// output must not depend on the value held, only on whether one is.
var renderings = []struct {
	name   string
	render func(secret.String) string
}{
	{"String", secret.String.String},
	{"GoString", secret.String.GoString},
	{"fmt", func(s secret.String) string {
		return fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%X|%d|% x|%10.2v",
			s, s, s, s, s, s, s, s, s, s)
	}},
	{"fmt_pointer", func(s secret.String) string {
		return fmt.Sprintf("%v|%+v|%s|%q|%x", &s, &s, &s, &s, &s)
	}},
	{"fmt_struct", func(s secret.String) string {
		h := withTags{Name: "n", Token: s}
		return fmt.Sprintf("%v|%+v|%#v|%s|%q|%x", h, h, h, h, h, h)
	}},
	{"Sprint", func(s secret.String) string { return fmt.Sprintln(s, &s) }},
	{"MarshalText", func(s secret.String) string {
		b, err := s.MarshalText()
		return string(b) + fmt.Sprint(err)
	}},
	{"json", func(s secret.String) string {
		b, err := json.Marshal(withTags{Token: s})
		return string(b) + fmt.Sprint(err)
	}},
	{"yaml", func(s secret.String) string {
		b, err := yaml.Marshal(withTags{Token: s})
		return string(b) + fmt.Sprint(err)
	}},
	{"slog", func(s secret.String) string {
		var buf bytes.Buffer
		drop := func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
		opts := &slog.HandlerOptions{ReplaceAttr: drop}
		for _, h := range []slog.Handler{
			slog.NewTextHandler(&buf, opts),
			slog.NewJSONHandler(&buf, opts),
		} {
			slog.New(h).Info("m", "v", s, slog.Group("g", "w", s))
		}
		return buf.String()
	}},
}

// reference is a value whose renderings every other set String must
// match.
var reference = secret.New("reference-value")

func FuzzSecretString(f *testing.F) {
	for _, seed := range [][2]string{
		{"", ""}, {"x", "x"}, {"tok-123", "tok-124"}, {secret.Redacted, ""},
		{"secret", "String"}, {"REDA", "[REDACTED]x"}, {"a\x00b", "a"},
		{"pässwörd ☃", "\xff\xfe"}, {" padded\n", "padded"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		sa, sb := secret.New(a), secret.New(b)

		// The one way out gives the value back.
		if got := sa.Reveal(); got != a {
			t.Fatalf("New(%q).Reveal() = %q", a, got)
		}
		if sa.IsSet() != (a != "") || sa.Len() != len(a) {
			t.Fatalf("New(%q): IsSet %v, Len %d", a, sa.IsSet(), sa.Len())
		}

		// No printing path shows the value.
		for _, r := range renderings {
			out := r.render(sa)
			if a == "" {
				continue
			}
			want := r.render(reference)
			if out != want {
				t.Errorf("%s of New(%q) = %q, want the same as for any "+
					"other value: %q", r.name, a, out, want)
			}
			if len(a) >= 4 && !strings.Contains(want, a) &&
				strings.Contains(out, a) {
				t.Errorf("%s of New(%q) shows the value: %q", r.name, a, out)
			}
		}

		// Equal agrees with the values, both ways, and with DeepEqual,
		// which testify and go-cmp rely on.
		same := a == b
		if sa.Equal(sb) != same || sb.Equal(sa) != same {
			t.Errorf("New(%q).Equal(New(%q)) = %v, want %v",
				a, b, sa.Equal(sb), same)
		}
		if !sa.Equal(secret.New(a)) {
			t.Errorf("New(%q) does not equal itself", a)
		}
		if reflect.DeepEqual(sa, sb) != same {
			t.Errorf("reflect.DeepEqual(New(%q), New(%q)) = %v, want %v",
				a, b, !same, same)
		}

		// Decoding gives the value back, except for the placeholder.
		var dec secret.String
		err := dec.UnmarshalText([]byte(a))
		switch {
		case a == secret.Redacted:
			if !errors.Is(err, secret.ErrPlaceholder) {
				t.Errorf("UnmarshalText(%q) = %v, want ErrPlaceholder",
					a, err)
			}
		case err != nil || dec.Reveal() != a:
			t.Errorf("UnmarshalText(%q) = %q, %v", a, dec.Reveal(), err)
		}
		if utf8.ValidString(a) && a != secret.Redacted {
			raw, _ := json.Marshal(a)
			var js secret.String
			if err := json.Unmarshal(raw, &js); err != nil ||
				js.Reveal() != a {
				t.Errorf("UnmarshalJSON(%s) = %q, %v", raw, js.Reveal(), err)
			}
		}
	})
}
