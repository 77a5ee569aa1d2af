package loader

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"

	"github.com/cloudcfg/cloudcfg/secret"
)

// validate is shared by every Load: validator caches what it learns of
// each struct type, so later loads of the same type are cheaper.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	must(v.RegisterValidation("secret_trimmed", secretTrimmed))
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

// URLProblem says what is wrong with s as the root URL of an HTTP API,
// or returns "" when nothing is: an absolute http or https URL with a
// host and no query, fragment or user info.
func URLProblem(s string) string {
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
	set := "set " + f.key + " in a config file"
	if env := f.envHint(); env != "" {
		set += " or " + env
	}
	switch fe.Tag() {
	case "required":
		return "is not set", set
	case "secret_trimmed":
		return "has whitespace at its start or end",
			"remove the spaces or newlines around the value (a pasted " +
				"token with a trailing space is a common cause of 401s)"
	case "api_url":
		v, _ := fe.Value().(string)
		return URLProblem(v),
			"use an absolute URL such as https://api.airbyte.com/v1"
	case "gt", "gte", "lt", "lte", "min", "max":
		ops := map[string]string{"gt": "greater than", "gte": "at least",
			"lt": "less than", "lte": "at most", "min": "at least",
			"max": "at most"}
		return "must be " + ops[fe.Tag()] + " " + fe.Param(), set
	case "oneof":
		return "must be one of: " + fe.Param(), set
	}
	return fmt.Sprintf("fails the rule %q", fe.Tag()), set
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
		return Problem{Rule: RuleNoUnit, set: set.name,
			Message: "no " + what + " method is set",
			Fix:     "set " + ld.unitHint(set)}
	case len(held) > 1:
		var parts []string
		var unset []string
		for _, alt := range held {
			for _, k := range present[alt] {
				parts = append(parts, k+" ("+ld.sourceOf(k)+")")
			}
			unset = append(unset, strings.Join(present[alt], " and "))
		}
		return Problem{Rule: RuleTwoUnits, set: set.name,
			Source: ld.sourcePtr(present[held[0]][0]),
			Message: "more than one " + what + " method is set: " +
				strings.Join(parts, ", "),
			Fix: "unset " + strings.Join(unset, ", or unset ")}
	}
	alt := held[0]
	var missing []string
	for _, k := range set.alts[alt] {
		if !slices.Contains(present[alt], k) {
			missing = append(missing, k)
		}
	}
	var have []string
	for _, k := range present[alt] {
		have = append(have, k+" is ("+ld.sourceOf(k)+")")
	}
	p := Problem{Key: missing[0], Rule: RuleHalfUnit, set: set.name,
		Source:  ld.sourcePtr(present[alt][0]),
		Message: "not set, but " + strings.Join(have, ", ")}
	var sets []string
	for _, k := range missing {
		sets = append(sets, k+" ("+ld.s.byKey[k].envHint()+")")
	}
	p.Env = ld.s.byKey[missing[0]].envHint()
	p.Fix = "set " + strings.Join(sets, " and ") + ", or unset " +
		strings.Join(present[alt], " and ")
	return p
}

func (ld *load) unitHint(set *unitSet) string {
	var parts []string
	for _, alt := range set.order {
		var keys []string
		for _, k := range set.alts[alt] {
			f := ld.s.byKey[k]
			if env := f.envHint(); env != "" {
				k += " (" + env + ")"
			}
			keys = append(keys, k)
		}
		parts = append(parts, strings.Join(keys, " and "))
	}
	return strings.Join(parts, ", or ")
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
