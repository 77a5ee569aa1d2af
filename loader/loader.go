// Package loader fills a tagged Go struct from layered sources: defaults
// from struct tags, configuration files, a dotenv file, the environment and
// explicit overrides (command-line flags or Go options), each higher layer
// overriding the ones below it. It records where every value came from,
// rejects unknown keys and values of the wrong type, and checks the
// struct's validate tags, reporting every problem in one error.
//
// The struct tags it reads:
//
//	yaml:"key"        the key in files; nested structs are sections
//	env:"NAME,ALIAS"  the variables, highest priority first
//	default:"value"   the value when no layer sets one
//	unit:"set.alt"    the field belongs to alternative alt of the
//	                  exclusive set: a layer that holds all of one
//	                  alternative hides the other alternatives' keys set
//	                  by lower layers, and holding two is an error
//	validate:"..."    github.com/go-playground/validator rules
//	doc:"text"        a description for generated docs and the schema
//
// Fields of type secret.String also read NAME_FILE, the path of a file
// holding the value, and never show their value in reports or errors.
//
// Beside validator's own rules, validate tags may use secret_trimmed (no
// whitespace around a secret), secret_text (a secret an HTTP header can
// carry) and api_url (an absolute http or https URL with no query,
// fragment or user info; see URLProblem).
package loader

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/viper"

	"github.com/cloudcfg/cloudcfg/secret"
)

// Load fills the struct dst points to from the layers that opts select and
// validates it. The report says where each value came from; it is returned
// with the error when the configuration is invalid, so that callers can
// still show what was resolved, and is nil only when dst is not a pointer
// to a struct. The error is a *ValidationError listing every problem.
func Load(ctx context.Context, dst any, opts ...Option) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() ||
		rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("loader: want a pointer to a struct, not %T", dst)
	}
	o := newOptions(opts)
	s, err := schemaOf(rv.Elem().Type(), o.envPrefix)
	if err != nil {
		return nil, err
	}
	ld := &load{o: o, s: s}
	return ld.run(rv.Elem())
}

// load is the state of one Load call.
type load struct {
	o        *options
	s        *schema
	layers   []*layer // lowest priority first
	problems []Problem
	fatal    bool // a source could not be read: skip validation
	// dotenvLines holds the line of each variable of the dotenv file.
	dotenvLines map[string]int
	report      *Report
}

func (ld *load) problem(p Problem) {
	ld.problems = append(ld.problems, ld.complete(p))
}

func (ld *load) fileProblem(path string, line int, rule, msg, fix string) {
	ld.fatal = true
	ld.problem(Problem{Rule: rule, Message: msg, Fix: fix,
		Source: &Source{Kind: SourceFile, Name: path, Line: line}})
}

func (ld *load) typeProblem(f *field, src Source, err error) {
	p := Problem{Key: f.key, Env: f.envHint(), Source: &src,
		Rule: RuleType, Message: err.Error()}
	if errors.Is(err, secret.ErrPlaceholder) {
		p.Err = err
		p.Fix = "give the real secret: " + secret.Redacted +
			" is what redacted output shows in its place"
	}
	ld.problem(p)
}

func (ld *load) run(root reflect.Value) (*Report, error) {
	ld.report = &Report{}
	ld.layers = append(ld.layers, ld.defaultLayer())
	ld.readFiles()
	if ld.o.dotenv != "" {
		ld.readDotenv()
	}
	ld.layers = append(ld.layers, ld.varsLayer(&vars{
		kind: SourceEnv, lookup: ld.o.lookupEnv}))
	if ld.o.flags != nil {
		ld.layers = append(ld.layers, ld.flagLayer())
	}
	if len(ld.o.overrides) > 0 {
		ld.layers = append(ld.layers, ld.optionLayer())
	}

	ld.applyUnits()
	winners := ld.merge(root)
	ld.finish(root, winners)
	if !ld.fatal {
		ld.validate(root)
	}
	ld.warnUnknownVars()

	if len(ld.problems) > 0 {
		return ld.report, &ValidationError{Problems: ld.problems}
	}
	return ld.report, nil
}

func (ld *load) defaultLayer() *layer {
	l := newLayer(SourceDefault, "")
	for _, f := range ld.s.fields {
		if !f.hasDef {
			continue
		}
		if v, ok := ld.s.defaults[f.key]; ok {
			l.values[f.key] = value{v: v, src: Source{Kind: SourceDefault}}
			continue
		}
		v, err := parseText(f, f.def)
		if err != nil {
			if err != errUnset {
				ld.problem(Problem{Key: f.key, Rule: RuleType,
					Source:  &Source{Kind: SourceDefault},
					Message: "the default tag does not parse: " + err.Error()})
			}
			continue
		}
		l.values[f.key] = value{v: v, src: Source{Kind: SourceDefault}}
	}
	return l
}

// readFiles adds a layer for each configuration file: the named ones,
// else the ones listed in the files variable, else the first found.
func (ld *load) readFiles() {
	files, how := ld.o.files, named
	if len(files) == 0 && ld.o.filesVar != "" {
		how = listed
		if list, _ := ld.o.lookupEnv(ld.o.filesVar); list != "" {
			for _, p := range filepath.SplitList(list) {
				if p != "" {
					files = append(files, p)
				}
			}
		}
	}
	if len(files) == 0 && len(ld.o.search) > 0 {
		how = searched
		for _, p := range ld.o.search {
			if rest, ok := strings.CutPrefix(p, "$XDG_CONFIG_HOME/"); ok {
				home := ConfigHome(ld.o.lookupEnv)
				if home == "" {
					continue
				}
				p = filepath.Join(home, rest)
			}
			files = append(files, p)
		}
		ld.report.Searched = files
	}
	for _, path := range files {
		l, ok := ld.fileLayer(path, how)
		if l != nil {
			ld.layers = append(ld.layers, l)
			ld.report.Files = append(ld.report.Files, path)
		}
		if how == searched && (l != nil || !ok) {
			break
		}
	}
}

func (ld *load) readDotenv() {
	path := ld.o.dotenv
	ld.report.Dotenv = path
	data, perm, err := readCapped(path, maxFileSize)
	if err != nil {
		ld.fileProblem(path, 0, RuleFile, describeFileErr(err),
			"check the path given with --env-file")
		return
	}
	vals, lines, err := ParseDotenv(path, strings.NewReader(string(data)))
	ld.dotenvLines = lines
	if err != nil {
		line, fix := 0, "write KEY=value"
		if de, ok := err.(*DotenvError); ok {
			line, err = de.Line, errors.New(de.Msg)
			if de.Fix != "" {
				fix = de.Fix
			}
		}
		ld.fatal = true
		ld.problem(Problem{Rule: RuleSyntax, Message: err.Error(), Fix: fix,
			Source: &Source{Kind: SourceDotenv, Name: path, Line: line}})
		return
	}
	ld.layers = append(ld.layers, ld.varsLayer(&vars{
		kind: SourceDotenv, name: path, lines: lines, perm: perm,
		lookup: func(k string) (string, bool) {
			v, ok := vals[k]
			return v, ok
		}}))
}

func (ld *load) optionLayer() *layer {
	l := newLayer(SourceOption, "")
	for _, ov := range ld.o.overrides {
		key := strings.ToLower(ov.key)
		f := ld.s.byKey[key]
		src := Source{Kind: SourceOption}
		if f == nil {
			ld.problem(Problem{Key: key, Rule: RuleUnknown, Source: &src,
				Message: "unknown key given as an option"})
			continue
		}
		v, err := typedValue(f, ov.v)
		switch {
		case err == errUnset:
			delete(l.values, key)
		case err != nil:
			ld.typeProblem(f, src, err)
		default:
			l.values[key] = value{v: v, src: src}
		}
	}
	return l
}

// applyUnits makes each exclusive unit act as one value across layers: a
// layer that holds a whole unit hides the other units' keys set below it.
func (ld *load) applyUnits() {
	for _, set := range ld.s.units {
		for i, l := range ld.layers {
			whole := ld.wholeUnit(set, l)
			if whole == "" {
				continue
			}
			by := l.values[set.alts[whole][0]].src
			for _, lower := range ld.layers[:i] {
				for alt, keys := range set.alts {
					if alt == whole {
						continue
					}
					for _, k := range keys {
						if v, ok := lower.values[k]; ok {
							ld.shadow(k, v, by)
							delete(lower.values, k)
						}
					}
				}
			}
		}
	}
}

// wholeUnit returns the unit of set that l holds whole, or "". A layer
// that holds a whole unit and keys of another is a problem.
func (ld *load) wholeUnit(set *unitSet, l *layer) string {
	var whole []string
	var held []string
	for _, alt := range set.order {
		n := 0
		for _, k := range set.alts[alt] {
			if _, ok := l.values[k]; ok {
				n++
			}
		}
		if n > 0 {
			held = append(held, alt)
		}
		if n == len(set.alts[alt]) {
			whole = append(whole, alt)
		}
	}
	if len(whole) == 0 {
		return ""
	}
	if len(held) > 1 {
		ld.unitMix(set, l, held)
		return ""
	}
	return whole[0]
}

func (ld *load) unitMix(set *unitSet, l *layer, held []string) {
	var parts []string
	present := map[string][]string{}
	for _, alt := range held {
		for _, k := range set.alts[alt] {
			if v, ok := l.values[k]; ok {
				present[alt] = append(present[alt], k)
				at := v.src.String()
				if v.src.Line > 0 {
					at = "line " + strconv.Itoa(v.src.Line)
				}
				parts = append(parts, k+" ("+at+")")
			}
		}
	}
	srcOf := func(k string) *Source {
		if v, ok := l.values[k]; ok {
			return &v.src
		}
		return nil
	}
	// The problem is about the first key of the last method held: in a
	// file, usually the one added beside a complete method.
	key := present[held[len(held)-1]][0]
	ld.problem(Problem{Key: key, Rule: RuleUnitMix, Source: srcOf(key),
		set: set.name, Env: ld.s.byKey[key].envHint(),
		Message: fmt.Sprintf("%s sets more than one %s method: %s",
			describeLayer(l), lastPart(set.name), strings.Join(parts, ", ")),
		Fix: ld.keepOneFix(set, held, present, srcOf)})
}

func describeLayer(l *layer) string {
	switch l.src.Kind {
	case SourceFile, SourceDotenv:
		return l.src.Name
	case SourceEnv:
		return "the environment"
	case SourceFlag:
		return "the command line"
	}
	return "the " + string(l.src.Kind) + " layer"
}

func lastPart(key string) string { return key[strings.LastIndexByte(key, '.')+1:] }

// shadow records that v, set by a lower layer, is hidden by a value from
// by.
func (ld *load) shadow(key string, v value, by Source) {
	f := ld.s.byKey[key]
	ld.report.Shadowed = append(ld.report.Shadowed, Shadow{
		Key: key, Value: display(f, v.v), Secret: f.kind == kindSecret,
		Source: v.src, By: by})
}

// merge lets viper merge the layers, then stores the result in root. It
// returns the winning value of each key that some layer sets.
//
// Every layer goes to viper below one key, mergeRoot, so that a single
// lookup returns the whole merged tree and the values are read from its
// maps: viper's lookup of each key would search every source, split and
// join the path again and again, and allocate on every step. The
// defaults stay out of viper: when viper has no value for a key, no
// layer above the defaults set it, so its winner, if any, is its default.
func (ld *load) merge(root reflect.Value) map[string]value {
	v := viper.New()
	winners := make(map[string]value, len(ld.s.fields))
	for _, l := range ld.layers {
		if len(l.values) == 0 {
			continue
		}
		for k, val := range l.values {
			if w, ok := winners[k]; ok && w.src.Kind != SourceDefault {
				ld.shadow(k, w, val.src)
			}
			winners[k] = val
		}
		if l.src.Kind == SourceDefault {
			continue
		}
		tree := map[string]any{mergeRoot: nest(l.values)}
		if err := v.MergeConfigMap(tree); err != nil {
			ld.problem(Problem{Rule: RuleSyntax, Message: err.Error()})
		}
	}

	merged := v.Get(mergeRoot)
	for _, f := range ld.s.fields {
		x := merged
		for _, name := range f.path {
			m, _ := x.(map[string]any)
			x = m[name]
		}
		if x == nil {
			x = winners[f.key].v
		}
		if x != nil {
			setField(root, f, x)
		}
	}
	return winners
}

// mergeRoot is the one top-level key under which merge gives viper every
// layer.
const mergeRoot = "root"

// nest turns dotted keys into the nested maps viper merges.
func nest(values map[string]value) map[string]any {
	m := make(map[string]any, len(values))
	for k, val := range values {
		cur := m
		for {
			head, rest, ok := strings.Cut(k, ".")
			if !ok {
				cur[k] = val.v
				break
			}
			next, _ := cur[head].(map[string]any)
			if next == nil {
				next = map[string]any{}
				cur[head] = next
			}
			cur, k = next, rest
		}
	}
	return m
}

// finish runs the Finisher of each struct, then records the resolved
// value and source of every key in the report.
func (ld *load) finish(root reflect.Value, winners map[string]value) {
	var derived map[string]string
	for _, st := range ld.s.structs {
		fin, ok := root.FieldByIndex(st.index).Addr().Interface().(Finisher)
		if !ok {
			continue
		}
		for _, d := range fin.FinishConfig() {
			if derived == nil {
				derived = map[string]string{}
			}
			derived[join(st.path, d.Key)] = join(st.path, d.From)
		}
	}

	// One array holds the sources of all entries; it never grows, so
	// the pointers into it stay put.
	srcs := make([]Source, 0, len(ld.s.fields))
	ld.report.Values = make([]Entry, 0, len(ld.s.fields))
	for _, f := range ld.s.fields {
		e := Entry{Key: f.key, Secret: f.kind == kindSecret, Env: f.env,
			FileEnv: f.fileEnv}
		from, isDerived := derived[f.key]
		w, isSet := winners[f.key]
		switch {
		case isDerived:
			srcs = append(srcs, Source{Kind: SourceDerived, Name: from})
			e.Source = &srcs[len(srcs)-1]
		case isSet:
			srcs = append(srcs, w.src)
			e.Source = &srcs[len(srcs)-1]
		}
		if e.Set = e.Source != nil; e.Set {
			e.Value = display(f, root.FieldByIndex(f.index).Interface())
		}
		ld.report.Values = append(ld.report.Values, e)
	}
	slices.SortStableFunc(ld.report.Shadowed, func(a, b Shadow) int {
		return strings.Compare(a.Key, b.Key)
	})
}

// warnUnknownVars reports variables with one of the watched prefixes,
// in the environment or the dotenv file, that no field reads, and a
// NAME_FILE form of a legacy alias, which no field reads either.
func (ld *load) warnUnknownVars() {
	if len(ld.o.warnings) == 0 {
		return
	}
	var names []string // the variables read, for suggestions
	check := func(name, where string) {
		if use, ok := ld.s.aliasFiles[name]; ok {
			ld.warn(name + where + " is not read: the legacy names have " +
				"no _FILE form; use " + use)
			return
		}
		if name == ld.o.filesVar || ld.s.vars[name] || !ld.o.watched(name) {
			return
		}
		if names == nil {
			for _, f := range ld.s.fields {
				names = append(names, f.env...)
				if f.fileEnv != "" {
					names = append(names, f.fileEnv)
				}
			}
		}
		w := name + where + " is set but not read"
		if near := Nearest(name, names); near != "" {
			w += fmt.Sprintf("; did you mean %s?", near)
		}
		ld.warn(w)
	}

	environ := ld.o.environ
	if environ == nil {
		environ = os.Environ()
	}
	for _, kv := range environ {
		if name, v, _ := strings.Cut(kv, "="); v != "" {
			check(name, "")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(ld.dotenvLines)) {
		line := ld.dotenvLines[name]
		check(name, " (in "+ld.o.dotenv+":"+strconv.Itoa(line)+")")
	}
	slices.Sort(ld.report.Warnings)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Nearest returns the one of candidates closest to name, when name is
// close enough to be a misspelling of it: at most two edits away, or a
// quarter of the candidate's length for a long one, a swap of two
// neighbours counting as one edit. It returns "" when none is. It is the
// rule the loader's warnings about unknown variables use.
func Nearest(name string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := distance(name, c)
		if d <= max(2, len(c)/4) && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// Validate checks the struct dst points to against its validate tags and
// Checker rules, as Load does after merging, for a value built in Go. It
// changes nothing and reads nothing; the problems it reports have no
// source. The error is a *ValidationError.
func Validate(dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() ||
		rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("loader: want a pointer to a struct, not %T", dst)
	}
	s, err := schemaOf(rv.Elem().Type(), "")
	if err != nil {
		return err
	}
	ld := &load{o: newOptions(nil), s: s, report: &Report{}}
	ld.validate(rv.Elem())
	if len(ld.problems) > 0 {
		return &ValidationError{Problems: ld.problems}
	}
	return nil
}
