package loader

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/cloudcfg/cloudcfg/secret"
)

// validate is shared by every Load: validator caches what it learns of
// each struct type, so later loads of the same type are cheaper.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	must(v.RegisterValidation("secret_trimmed", secretTrimmed))
	must(v.RegisterValidation("secret_text", secretText))
	must(v.RegisterValidation("api_url", func(fl validator.FieldLevel) bool {
		return URLProblem(fl.Field().String()) == ""
	}))
	return v
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// secretTrimmed holds when a secret has no whitespace around it.
func secretTrimmed(fl validator.FieldLevel) bool {
	s, ok := fl.Field().Interface().(secret.String)
	if !ok {
		return true
	}
	v := s.Reveal()
	return strings.TrimFunc(v, unicode.IsSpace) == v
}

// secretText holds when a secret is text that an HTTP header can carry:
// valid UTF-8 with no control character, no byte order mark and no line
// or paragraph separator. A secret file saved as UTF-16, or with a BOM,
// or a value pasted over two lines, would otherwise pass every rule and
// fail only at the server.
func secretText(fl validator.FieldLevel) bool {
	s, ok := fl.Field().Interface().(secret.String)
	if !ok {
		return true
	}
	v := s.Reveal()
	if !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\ufeff' || r == '\u2028' ||
			r == '\u2029' {
			return false
		}
	}
	return true
}

// URLProblem says what is wrong with s as the root URL of an HTTP API,
// or returns "" when nothing is: an absolute http or https URL with a
// host and no query, fragment or user info.
func URLProblem(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) >= 0 {
		return "holds whitespace or a control character"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must start with https:// (or http:// for loopback)"
	case u.Host == "" || u.Hostname() == "":
		return "has no host"
	case u.User != nil:
		return "must not hold user info; put credentials in their own keys"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have a query"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not have a fragment"
	case strings.Contains(u.EscapedPath(), "//"):
		return "has an empty path segment (//)"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "has a port outside 1 to 65535"
		}
	}
	return ""
}

// validate checks the tag rules and each Checker, and adds a problem for
// each rule broken, except on keys that already have a problem.
func (ld *load) validate(root reflect.Value) {
	var found []Problem
	err := validate.Struct(root.Addr().Interface())
	var ves validator.ValidationErrors
	if errors.As(err, &ves) {
		for _, fe := range ves {
			if p, ok := ld.translate(root, fe); ok {
				found = append(found, p)
			}
		}
	} else if err != nil {
		found = append(found, Problem{Rule: "validate", Message: err.Error()})
	}
	found = append(found, ld.check(root)...)

	// A key that already has a problem, or a unit set with a key that
	// has one, gets no further problems: they would only repeat it.
	bad := map[string]bool{}
	for _, p := range ld.problems {
		if p.Key != "" {
			bad[p.Key] = true
		}
		if set := ld.s.setOf(p.Key); set != "" {
			bad[set] = true
		}
		if p.set != "" {
			bad[p.set] = true
		}
	}
	seen := map[string]bool{}
	for _, p := range found {
		scope := p.Key
		if p.set != "" {
			scope = p.set
		}
		id := scope + "\x00" + p.Rule
		if bad[scope] || seen[id] {
			continue
		}
		seen[id] = true
		ld.problem(p)
	}
}

func (ld *load) check(root reflect.Value) []Problem {
	var found []Problem
	for _, st := range ld.s.structs {
		c, ok := root.FieldByIndex(st.index).Addr().Interface().(Checker)
		if !ok {
			continue
		}
		for _, p := range c.CheckConfig() {
			p.Key = join(st.path, p.Key)
			if f := ld.s.byKey[p.Key]; f != nil {
				ld.describe(&p, f)
			}
			found = append(found, p)
		}
	}
	return found
}

// describe fills in the variable and source of a problem about f.
func (ld *load) describe(p *Problem, f *field) {
	if p.Env == "" {
		p.Env = f.envHint()
	}
	if p.Source == nil {
		if e, ok := ld.report.Entry(f.key); ok && e.Source != nil {
			src := *e.Source
			p.Source = &src
		}
	}
}

// translate turns a validator error into a problem that names the key and
// the variable a user would set, and never the value.
func (ld *load) translate(root reflect.Value, fe validator.FieldError) (Problem, bool) {
	ns := fe.StructNamespace()
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		ns = ns[i+1:]
	}
	f := ld.s.byGoPath[ns]
	if f == nil {
		return Problem{Rule: fe.Tag(), Message: fmt.Sprintf(
			"%s fails the rule %q", ns, fe.Tag())}, true
	}
	if f.unitSet != "" {
		switch fe.Tag() {
		case "required_without", "required_with", "excluded_with",
			"required_without_all", "excluded_with_all":
			return ld.unitProblem(root, f), true
		}
	}
	p := Problem{Key: f.key, Rule: fe.Tag()}
	ld.describe(&p, f)
	p.Message, p.Fix = ld.explain(f, fe)
	return p, true
}

func (ld *load) explain(f *field, fe validator.FieldError) (string, string) {
	at := where(f.key, ld.sourcePtr(f.key))
	switch fe.Tag() {
	case "required":
		return "is not set", "set " + ld.setPhrase([]*field{f}, nil)
	case "secret_trimmed":
		return "has whitespace at its start or end",
			"remove the spaces or newlines around the value of " + at +
				" (a pasted token with a trailing space is a common " +
				"cause of 401s)"
	case "secret_text":
		return "holds a control character, a line break, a byte order " +
				"mark or invalid UTF-8, which no HTTP header can carry",
			"write the value of " + at + " again as plain UTF-8 text " +
				"on one line"
	case "api_url":
		v, _ := fe.Value().(string)
		return URLProblem(v), "write " + at + " as an absolute URL " +
			"such as https://api.airbyte.com/v1"
	case "gt", "gte", "lt", "lte", "min", "max":
		ops := map[string]string{"gt": "greater than", "gte": "at least",
			"lt": "less than", "lte": "at most", "min": "at least",
			"max": "at most"}
		want := ops[fe.Tag()] + " " + fe.Param()
		return "must be " + want, "set " + at + " to a value " + want
	case "oneof":
		return "must be one of: " + fe.Param(),
			"set " + at + " to one of: " + fe.Param()
	}
	return fmt.Sprintf("fails the rule %q", fe.Tag()), "change " + at
}

// unitProblem describes what is wrong with the exclusive set f belongs
// to: no unit set, one set in part, or two set.
func (ld *load) unitProblem(root reflect.Value, f *field) Problem {
	var set *unitSet
	for _, u := range ld.s.units {
		if u.name == f.unitSet {
			set = u
		}
	}
	present := map[string][]string{}
	var held []string
	for _, alt := range set.order {
		for _, k := range set.alts[alt] {
			if !root.FieldByIndex(ld.s.byKey[k].index).IsZero() {
				if len(present[alt]) == 0 {
					held = append(held, alt)
				}
				present[alt] = append(present[alt], k)
			}
		}
	}
	what := lastPart(set.name)

	switch {
	case len(held) == 0:
		msg := "no " + what + " method is set"
		if len(ld.report.Files) == 0 && len(ld.report.Searched) > 0 {
			msg += ", and no configuration file was found (looked for " +
				strings.Join(ld.report.Searched, " and ") + ")"
		}
		return Problem{Rule: RuleNoUnit, set: set.name, Message: msg,
			Fix: ld.noUnitFix(set)}
	case len(held) > 1:
		var parts []string
		for _, alt := range held {
			for _, k := range present[alt] {
				parts = append(parts, k+" ("+ld.sourceOf(k)+")")
			}
		}
		first := present[held[0]][0]
		return Problem{Key: first, Rule: RuleTwoUnits, set: set.name,
			Env: ld.s.byKey[first].envHint(), Source: ld.sourcePtr(first),
			Message: "more than one " + what + " method is set: " +
				strings.Join(parts, ", "),
			Fix: ld.keepOneFix(set, held, present, ld.sourcePtr)}
	}
	alt := held[0]
	missing := ld.missing(set, alt, present[alt])
	var have []string
	for _, k := range present[alt] {
		have = append(have, k+" is ("+ld.sourceOf(k)+")")
	}
	src := ld.sourcePtr(present[alt][0])
	return Problem{Key: missing[0].key, Rule: RuleHalfUnit, set: set.name,
		Env: missing[0].envHint(), Source: src,
		Message: "is not set, but " + strings.Join(have, ", ") +
			"; " + strings.ReplaceAll(alt, "_", " ") + " need " +
			keyList(set.alts[alt]),
		Fix: "set " + ld.setPhrase(missing, src) + ", or " +
			unsetPhrase(ld.placed(present[alt]))}
}

// missing returns the fields of alternative alt of set that are not in
// present.
func (ld *load) missing(set *unitSet, alt string, present []string) []*field {
	var out []*field
	for _, k := range set.alts[alt] {
		if !slices.Contains(present, k) {
			out = append(out, ld.s.byKey[k])
		}
	}
	return out
}

// noUnitFix says how to set each alternative of set.
func (ld *load) noUnitFix(set *unitSet) string {
	var ways []string
	hasFileEnv := ""
	for _, alt := range set.order {
		var fs []*field
		for _, k := range set.alts[alt] {
			f := ld.s.byKey[k]
			fs = append(fs, f)
			if f.fileEnv != "" {
				hasFileEnv = f.fileEnv
			}
		}
		ways = append(ways, "set "+ld.setPhrase(fs, nil))
	}
	fix := strings.Join(ways, "; or ")
	if hasFileEnv != "" {
		fix += " (a secret variable also has a _FILE form, such as " +
			hasFileEnv + ", that names a file holding the value)"
	}
	return fix
}

// keepOneFix says how to keep one of the alternatives held: unset the
// keys of the others, and complete the one kept when it is partial.
func (ld *load) keepOneFix(set *unitSet, held []string,
	present map[string][]string, srcOf func(string) *Source) string {
	var ways []string
	for _, keep := range held {
		var drop []string
		for _, alt := range held {
			if alt != keep {
				drop = append(drop, present[alt]...)
			}
		}
		var items []placedKey
		for _, k := range drop {
			items = append(items, placedKey{k, srcOf(k)})
		}
		way := unsetPhrase(items)
		if m := ld.missing(set, keep, present[keep]); len(m) > 0 {
			way += " and set " + ld.setPhrase(m, srcOf(present[keep][0]))
		}
		ways = append(ways, way)
	}
	return "keep one method: " + strings.Join(ways, ", or ")
}

// placedKey is a key and where its value came from.
type placedKey struct {
	key string
	src *Source
}

func (ld *load) placed(keys []string) []placedKey {
	out := make([]placedKey, len(keys))
	for i, k := range keys {
		out[i] = placedKey{k, ld.sourcePtr(k)}
	}
	return out
}

// setPhrase says how to set the fields fs, variables first, then the
// keys in a configuration file: "AIRBYTE_CLOUD_CLIENT_SECRET or
// client_secret in config.yaml". near, when it is a file, is the file
// named; else the last file read, else the first one searched for.
func (ld *load) setPhrase(fs []*field, near *Source) string {
	var vars, keys []string
	for _, f := range fs {
		keys = append(keys, f.key)
		if len(f.env) > 0 {
			vars = append(vars, f.env[0])
		}
	}
	inFile := keyList(keys) + " in " + ld.fileToEdit(near)
	if len(vars) < len(fs) {
		return inFile
	}
	if len(fs) == 1 {
		return vars[0] + " or " + inFile
	}
	return keyList(vars) + ", or " + inFile
}

// fileToEdit names the configuration file a user would add a key to.
func (ld *load) fileToEdit(near *Source) string {
	switch {
	case near != nil && near.Kind == SourceFile:
		return near.Name
	case len(ld.report.Files) > 0:
		return ld.report.Files[len(ld.report.Files)-1]
	case len(ld.o.files) > 0:
		return ld.o.files[len(ld.o.files)-1]
	case len(ld.o.search) > 0:
		return ld.o.search[0]
	}
	return "a config file"
}

// where names the place a value came from as a user would edit it:
// "timeout in config.yaml:5", "AIRBYTE_CLOUD_TIMEOUT", "--timeout".
func where(key string, src *Source) string {
	if src == nil {
		return key
	}
	switch src.Kind {
	case SourceFile:
		return key + " in " + src.Location()
	case SourceDotenv:
		s := "the variable at " + src.Location()
		if src.Path != "" {
			s += " (the file " + src.Path + ")"
		}
		return s
	case SourceEnv, SourceFlag:
		s := src.Name
		if src.Kind == SourceFlag {
			s = "--" + s
		}
		if src.Path != "" && src.Path != "-" {
			s = "the file " + src.Path + " that " + s + " names"
		}
		return s
	case SourceOption:
		return "the " + key + " option"
	case SourceDefault:
		return "the default tag of " + key
	case SourceDerived:
		return src.Name
	}
	return key
}

// unsetPhrase says how to remove each key from where it was set:
// "remove bearer_token from config.yaml:3", "unset AIRBYTE_CLOUD_CLIENT_ID
// and AIRBYTE_CLOUD_CLIENT_SECRET".
func unsetPhrase(items []placedKey) string {
	var verbs, objs []string
	for _, it := range items {
		verb, obj := "unset", it.key
		if it.src != nil {
			switch it.src.Kind {
			case SourceFile:
				verb, obj = "remove", it.key+" from "+it.src.Location()
			case SourceDotenv:
				verb, obj = "remove", "line "+strconv.Itoa(it.src.Line)+
					" of "+it.src.Name
			case SourceEnv:
				obj = it.src.Name
			case SourceFlag:
				verb, obj = "drop", "--"+it.src.Name
			case SourceOption:
				verb, obj = "drop", "the "+it.key+" option"
			}
		}
		if n := len(verbs); n > 0 && verbs[n-1] == verb {
			objs[n-1] += "\x00" + obj
			continue
		}
		verbs, objs = append(verbs, verb), append(objs, obj)
	}
	parts := make([]string, len(verbs))
	for i, v := range verbs {
		parts[i] = v + " " + keyList(strings.Split(objs[i], "\x00"))
	}
	return strings.Join(parts, " and ")
}

// keyList joins "a", "a and b", "a, b and c".
func keyList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " +
		items[len(items)-1]
}

// complete gives a problem that has no fix the usual one for its rule.
func (ld *load) complete(p Problem) Problem {
	if p.Fix != "" {
		return p
	}
	f := ld.s.byKey[p.Key]
	switch {
	case p.Rule == RuleType && f != nil:
		p.Fix = "write " + where(p.Key, p.Source) + " as " + f.typeName()
		if p.Source != nil && p.Source.Kind == SourceDefault {
			p.Fix = "fix the default tag of " + p.Key + " in the Go struct"
		}
	case p.Rule == RuleUnknown:
		p.Fix = "use one of the keys: " + keyList(ld.keysBeside(""))
	case p.Rule == RuleFile && p.Source != nil:
		name := p.Source.Name
		if p.Source.Path != "" {
			name = p.Source.Path
		}
		p.Fix = "make " + name + " a readable regular file"
		if name == "-" {
			p.Fix = "pipe the secret in on standard input"
		}
	case p.Rule == RuleSyntax && p.Source != nil:
		p.Fix = "fix the syntax of " + p.Source.Location()
	}
	return p
}

// keysBeside lists the keys and sections directly under path.
func (ld *load) keysBeside(path string) []string {
	var names []string
	for _, f := range ld.s.fields {
		if parent(f.key) == path {
			names = append(names, f.name)
		}
	}
	for sec := range ld.s.sections {
		if parent(sec) == path {
			names = append(names, lastPart(sec))
		}
	}
	slices.Sort(names)
	return names
}

func (ld *load) sourceOf(key string) string {
	if src := ld.sourcePtr(key); src != nil {
		return src.String()
	}
	return "set"
}

func (ld *load) sourcePtr(key string) *Source {
	if e, ok := ld.report.Entry(key); ok && e.Source != nil {
		src := *e.Source
		return &src
	}
	return nil
}

// setOf returns the unit set key belongs to, or "".
func (s *schema) setOf(key string) string {
	if f := s.byKey[key]; f != nil {
		return f.unitSet
	}
	return ""
}
