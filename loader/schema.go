package loader

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/cloudcfg/cloudcfg/secret"
)

// kind is how a field's value is written and parsed.
type kind int

const (
	kindString kind = iota
	kindSecret
	kindBool
	kindInt
	kindUint
	kindFloat
	kindDuration
	kindStrings
	kindText
)

var (
	secretType   = reflect.TypeFor[secret.String]()
	durationType = reflect.TypeFor[time.Duration]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// field is one leaf key of a configuration struct.
type field struct {
	key     string // dotted key path, lower case: "airbyte.client_id"
	name    string // last element of key
	index   []int  // reflect field index path from the root struct
	goName  string // Go field name, for validator messages
	kind    kind
	typ     reflect.Type
	env     []string // variables, highest priority first
	fileEnv string   // variable holding a path to the value, secrets only
	def     string
	hasDef  bool
	unitSet string // "airbyte.auth": keys of one set are exclusive units
	unit    string // "client_credentials"
	doc     string
	rules   string // the validate tag, for documentation

	path []string // key split at the dots
}

// schema is the flattened form of a configuration struct type.
type schema struct {
	typ    reflect.Type
	fields []*field
	byKey  map[string]*field
	// sections holds every key path of a nested struct: "airbyte".
	sections map[string]bool
	// byStruct maps a struct path ("" for the root) and Go field name to
	// the field, to translate validator errors.
	byStruct map[string]map[string]*field
	// byGoPath maps the Go field path below the root ("Airbyte.ClientID")
	// to the field, to translate validator errors.
	byGoPath map[string]*field
	// structs lists the root and every nested struct, root first.
	structs []structInfo
	// units lists the exclusive sets of units.
	units []*unitSet
	// defaults holds the parsed default of each field whose default
	// parses to a value that loads can share, by key.
	defaults map[string]any
	// vars holds every variable a field reads, NAME_FILE forms
	// included.
	vars map[string]bool
	// aliasFiles maps the NAME_FILE form of an alias, which nothing
	// reads, to the NAME_FILE form to use instead.
	aliasFiles map[string]string
}

type structInfo struct {
	path   string
	index  []int
	goPath string
}

// unitSet is a set of exclusive alternatives: auth by client credentials
// or by bearer token.
type unitSet struct {
	name  string              // "airbyte.auth"
	order []string            // alternatives in field order
	alts  map[string][]string // alternative -> its keys
}

// describeAlts returns "client_credentials (client_id, client_secret) or
// bearer_token (bearer_token)".
func (u *unitSet) describeAlts() string {
	parts := make([]string, 0, len(u.order))
	for _, alt := range u.order {
		keys := make([]string, len(u.alts[alt]))
		for i, k := range u.alts[alt] {
			keys[i] = lastPart(k)
		}
		parts = append(parts, strings.ReplaceAll(alt, "_", " ")+" ("+
			strings.Join(keys, " and ")+")")
	}
	return strings.Join(parts, ", or ")
}

var schemas sync.Map // reflect.Type and prefix -> *schema

type schemaKey struct {
	typ    reflect.Type
	prefix string
}

// schemaOf returns the cached schema of the struct type t. prefix is the
// environment prefix for fields without an env tag.
func schemaOf(t reflect.Type, prefix string) (*schema, error) {
	k := schemaKey{t, prefix}
	if s, ok := schemas.Load(k); ok {
		return s.(*schema), nil
	}
	s := &schema{
		typ:      t,
		byKey:    map[string]*field{},
		sections: map[string]bool{},
		byStruct: map[string]map[string]*field{},
		byGoPath: map[string]*field{},
	}
	if err := s.walk(t, nil, "", "", prefix); err != nil {
		return nil, err
	}
	s.index()
	schemas.Store(k, s)
	return s, nil
}

// index fills in what every load would otherwise work out again: the
// path of each key, the parsed defaults and the variables read.
func (s *schema) index() {
	s.defaults = map[string]any{}
	s.vars = map[string]bool{}
	s.aliasFiles = map[string]string{}
	for _, f := range s.fields {
		f.path = strings.Split(f.key, ".")
		if f.hasDef && f.kind.shareable() {
			if v, err := parseText(f, f.def); err == nil {
				s.defaults[f.key] = v
			}
		}
		for i, n := range f.env {
			s.vars[n] = true
			if i > 0 && f.fileEnv != "" {
				s.aliasFiles[n+"_FILE"] = f.fileEnv
			}
		}
		if f.fileEnv != "" {
			s.vars[f.fileEnv] = true
		}
	}
}

// shareable reports whether values of the kind can be shared between
// loads: they hold nothing that a caller could change in place, as a
// slice or a TextUnmarshaler's own type might.
func (k kind) shareable() bool {
	switch k {
	case kindString, kindSecret, kindBool, kindInt, kindUint, kindFloat,
		kindDuration:
		return true
	}
	return false
}

func (s *schema) walk(t reflect.Type, index []int, path, goPath,
	prefix string) error {
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("loader: %s is not a struct", t)
	}
	s.structs = append(s.structs, structInfo{path, index, goPath})
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, inline := yamlName(sf)
		if name == "-" {
			continue
		}
		idx := append(append([]int(nil), index...), i)
		ft := sf.Type

		if inline || (ft.Kind() == reflect.Struct && kindOf(ft) < 0) {
			sub := path
			if !inline {
				sub = join(path, name)
				s.sections[sub] = true
			}
			if err := s.walk(ft, idx, sub, join(goPath, sf.Name),
				prefix); err != nil {
				return err
			}
			continue
		}

		k := kindOf(ft)
		if k < 0 {
			return fmt.Errorf("loader: field %s of %s has type %s, "+
				"which the loader cannot decode", sf.Name, t, ft)
		}
		f := &field{
			key:    join(path, name),
			name:   name,
			index:  idx,
			goName: sf.Name,
			kind:   k,
			typ:    ft,
			doc:    sf.Tag.Get("doc"),
			rules:  sf.Tag.Get("validate"),
		}
		f.def, f.hasDef = sf.Tag.Lookup("default")
		if f.hasDef && k == kindSecret {
			return fmt.Errorf("loader: field %s of %s is a secret with a "+
				"default tag, which docs and schemas would publish", sf.Name, t)
		}
		if u := sf.Tag.Get("unit"); u != "" {
			set, alt, ok := strings.Cut(u, ".")
			if !ok {
				return fmt.Errorf("loader: field %s: unit tag %q is "+
					"not SET.ALTERNATIVE", sf.Name, u)
			}
			f.unitSet, f.unit = join(path, set), alt
		}
		f.env = envNames(sf, f.key, prefix)
		if k == kindSecret && len(f.env) > 0 {
			f.fileEnv = f.env[0] + "_FILE"
		}
		if _, dup := s.byKey[f.key]; dup {
			return fmt.Errorf("loader: key %q appears twice in %s", f.key, t)
		}
		s.fields = append(s.fields, f)
		s.byKey[f.key] = f
		m := s.byStruct[path]
		if m == nil {
			m = map[string]*field{}
			s.byStruct[path] = m
		}
		m[sf.Name] = f
		s.byGoPath[join(goPath, sf.Name)] = f
		if f.unitSet != "" {
			s.addUnit(f)
		}
	}
	return nil
}

func (s *schema) addUnit(f *field) {
	var set *unitSet
	for _, u := range s.units {
		if u.name == f.unitSet {
			set = u
		}
	}
	if set == nil {
		set = &unitSet{name: f.unitSet, alts: map[string][]string{}}
		s.units = append(s.units, set)
	}
	if _, ok := set.alts[f.unit]; !ok {
		set.order = append(set.order, f.unit)
	}
	set.alts[f.unit] = append(set.alts[f.unit], f.key)
}

// yamlName returns the key of a struct field and whether it is inlined.
func yamlName(sf reflect.StructField) (string, bool) {
	tag := sf.Tag.Get("yaml")
	name, opts, _ := strings.Cut(tag, ",")
	inline := strings.Contains(","+opts+",", ",inline,") ||
		(sf.Anonymous && tag == "")
	if name == "" {
		name = snake(sf.Name)
	}
	return strings.ToLower(name), inline
}

func envNames(sf reflect.StructField, key, prefix string) []string {
	if tag, ok := sf.Tag.Lookup("env"); ok {
		if tag == "-" {
			return nil
		}
		var names []string
		for n := range strings.SplitSeq(tag, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		return names
	}
	if prefix == "" {
		return nil
	}
	n := strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
	return []string{prefix + "_" + n}
}

func kindOf(t reflect.Type) kind {
	switch {
	case t == secretType:
		return kindSecret
	case t == durationType:
		return kindDuration
	case reflect.PointerTo(t).Implements(textType):
		return kindText
	}
	switch t.Kind() {
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Int64:
		return kindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32,
		reflect.Uint64:
		return kindUint
	case reflect.Float32, reflect.Float64:
		return kindFloat
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return kindStrings
		}
	}
	return -1
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// snake turns a Go field name into a snake_case key: APIRoot -> api_root.
func snake(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := r[i-1] >= 'a' && r[i-1] <= 'z'
			nextLower := i+1 < len(r) && r[i+1] >= 'a' && r[i+1] <= 'z'
			if prevLower || (nextLower && r[i-1] >= 'A' && r[i-1] <= 'Z') {
				b.WriteByte('_')
			}
		}
		b.WriteRune(c)
	}
	return strings.ToLower(b.String())
}

// flagName returns the command-line flag of a key: api_root -> api-root.
func flagName(f *field) string {
	n := strings.NewReplacer(".", "-", "_", "-").Replace(f.key)
	if f.kind == kindSecret {
		n += "-file"
	}
	return n
}

// typeName describes what a field expects, for error messages.
func (f *field) typeName() string {
	switch f.kind {
	case kindString, kindSecret, kindText:
		return "a string"
	case kindBool:
		return "true or false"
	case kindInt, kindUint:
		return "a whole number"
	case kindFloat:
		return "a number"
	case kindDuration:
		return `a duration such as "30s" or "1m30s"`
	case kindStrings:
		return "a list of strings"
	}
	return f.typ.String()
}

// envHint names the variable that sets f, for Problem.Env: the first
// of its env tag, as one name that programs reading problems can use.
func (f *field) envHint() string {
	if len(f.env) == 0 {
		return ""
	}
	return f.env[0]
}

// KeyInfo describes one key of a configuration struct, for generated
// documentation, schemas and the variables a program reads.
type KeyInfo struct {
	Key     string   // dotted key path
	Env     []string // variables, highest priority first
	FileEnv string   // variable naming a file that holds a secret
	Flag    string   // command-line flag registered by BindFlags
	Default string   // the default tag, "" when none
	Secret  bool
	Type    string // "string", "bool", "integer", "number", "duration", "list"
	Doc     string
	Rules   string // the validate tag
	Unit    string // "auth.client_credentials", relative to the struct
}

// Describe returns the keys of the struct type dst points to, in field
// order. Only WithEnvPrefix of opts matters.
func Describe(dst any, opts ...Option) ([]KeyInfo, error) {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer {
		return nil, fmt.Errorf("loader: want a pointer to a struct, not %T", dst)
	}
	s, err := schemaOf(t.Elem(), newOptions(opts).envPrefix)
	if err != nil {
		return nil, err
	}
	keys := make([]KeyInfo, 0, len(s.fields))
	for _, f := range s.fields {
		k := KeyInfo{Key: f.key, Env: f.env, FileEnv: f.fileEnv,
			Flag: "--" + flagName(f), Default: f.def,
			Secret: f.kind == kindSecret, Type: f.kind.String(), Doc: f.doc,
			Rules: f.rules}
		if f.unit != "" {
			k.Unit = lastPart(f.unitSet) + "." + f.unit
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// String names the kind as Describe reports it.
func (k kind) String() string {
	return [...]string{"string", "secret", "bool", "integer", "integer",
		"number", "duration", "list", "string"}[k]
}
