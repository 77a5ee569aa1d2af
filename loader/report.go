package loader

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cloudcfg/cloudcfg/secret"
)

// Report says what Load resolved and where each value came from.
type Report struct {
	// Values holds every key of the struct, set or not, in field order.
	Values []Entry
	// Shadowed holds values that a higher layer hid, by key.
	Shadowed []Shadow
	// Warnings are findings that are not errors, such as a variable that
	// looks like one the loader reads but is not.
	Warnings []string
	// Files are the configuration files read, in order.
	Files []string
	// Dotenv is the dotenv file read, if any.
	Dotenv string
	// Searched lists the configuration files looked for, in order, when
	// none was named; the first that exists is in Files.
	Searched []string
	// SecretFiles are the files that secrets were read from (NAME_FILE
	// variables and --KEY-file flags), as their paths were given.
	SecretFiles []string
}

// Entry is one key's resolved value.
type Entry struct {
	Key string
	// Value is the value as text: "[REDACTED]" for a set secret, "" when
	// the key is unset.
	Value string
	// Set reports whether the key has a value.
	Set bool
	// Secret reports whether the key holds a secret.
	Secret bool
	// Source is where the value came from; nil when unset.
	Source *Source
	// Env lists the variables that set the key, highest priority first.
	Env []string
	// FileEnv is the variable naming a file that holds the value, for
	// secrets.
	FileEnv string
}

// Shadow is a value that a higher layer hid.
type Shadow struct {
	Key    string
	Value  string // as in Entry
	Secret bool
	Source Source // where the hidden value came from
	By     Source // where the value that hid it came from
}

// Entry returns the entry of key and whether the key exists.
func (r *Report) Entry(key string) (Entry, bool) {
	for _, e := range r.Values {
		if e.Key == key {
			return e, true
		}
	}
	return Entry{}, false
}

// Source returns where key's value came from, and false when the key is
// unset or unknown.
func (r *Report) Source(key string) (Source, bool) {
	e, ok := r.Entry(key)
	if !ok || e.Source == nil {
		return Source{}, false
	}
	return *e.Source, true
}

// display returns a value as text for reports; secrets are redacted.
func display(f *field, v any) string {
	switch x := v.(type) {
	case secret.String:
		return x.String()
	case string:
		return hideUserinfo(f, x)
	case time.Duration:
		return x.String()
	case []string:
		return strings.Join(x, ",")
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return x.String()
	}
	if f.kind == kindSecret {
		return secret.Redacted
	}
	return fmt.Sprint(v)
}

// hideUserinfo replaces the user info of a URL, which may hold a
// password, with the redaction placeholder. For a field with a URL rule
// it also catches the forms a URL parser reads differently, with no
// "://" ("//u:p@h", "u:p@h/v1", "https:u:p@h"): an "@" before the first
// "/", "?" or "#" of the authority hides what stands before it.
func hideUserinfo(f *field, s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	} else if !strings.Contains(f.rules, "url") {
		return s
	} else if strings.HasPrefix(s, "//") {
		start = 2
	}
	host := s[start:]
	if end := strings.IndexAny(host, "/?#"); end >= 0 {
		host = host[:end]
	}
	at := strings.LastIndexByte(host, '@')
	if at < 0 {
		return s
	}
	return s[:start] + secret.Redacted + s[start+at:]
}

// Finisher is implemented by configuration structs that normalize values
// or derive unset ones after the layers merge and before validation.
// FinishConfig runs on every struct of the configuration that implements
// it, nested ones included, and returns the keys it derived.
type Finisher interface {
	FinishConfig() []Derived
}

// Derived says that FinishConfig set Key from the value of From. Both are
// keys relative to the struct.
type Derived struct {
	Key  string
	From string
}

// Checker is implemented by configuration structs with rules that tags
// cannot state. CheckConfig runs after the tag rules, on every struct of
// the configuration that implements it; the loader fills in Env and Source
// of each problem from Key, which is relative to the struct.
type Checker interface {
	CheckConfig() []Problem
}
