package loader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// SchemaDialect is the JSON Schema dialect that JSONSchema writes.
const SchemaDialect = "https://json-schema.org/draft/2020-12/schema"

// durationPattern matches what time.ParseDuration accepts.
const durationPattern = `^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)` +
	`(ns|us|µs|μs|ms|s|m|h))+)$`

// JSONSchema returns a JSON Schema (draft 2020-12) of the configuration
// file format of the struct type dst points to, for editors that check
// and complete YAML and JSON files. It is made from the struct tags:
// nested structs are nested objects, unknown keys are refused, doc tags
// become descriptions, default tags defaults, and secrets are marked
// write-only passwords. The exclusive units of unit tags become rules
// that refuse a file holding one whole unit and a key of another.
//
// A file that passes the schema can still fail Load: values from other
// layers are not known here, and some rules have no schema form. Keys
// match without regard to case in Load, but only in lower case here.
// Only WithEnvPrefix of opts matters.
func JSONSchema(dst any, opts ...Option) ([]byte, error) {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer ||
		t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("loader: want a pointer to a struct, not %T", dst)
	}
	s, err := schemaOf(t.Elem(), newOptions(opts).envPrefix)
	if err != nil {
		return nil, err
	}

	root := jsonObject{
		{"$schema", SchemaDialect},
		{"title", t.Elem().Name()},
		{"description", "The configuration file of " + t.Elem().String() +
			". An empty string or null counts as unset. Generated from " +
			"the struct tags."},
	}
	root = append(root, s.objectSchema("")...)
	compact, err := marshal(root)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// objectSchema returns the members of the schema of the object at path.
func (s *schema) objectSchema(path string) jsonObject {
	var props jsonObject
	done := map[string]bool{}
	for _, f := range s.fields {
		if !strings.HasPrefix(f.key, path) || (path != "" &&
			!strings.HasPrefix(f.key, path+".")) {
			continue
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(f.key, path), ".")
		name, _, nested := strings.Cut(rest, ".")
		if done[name] {
			continue
		}
		done[name] = true
		if nested {
			sub := jsonObject{{"type", []string{"object", "null"}}}
			props = append(props, jsonMember{name,
				append(sub, s.objectSchema(join(path, name))...)})
			continue
		}
		props = append(props, jsonMember{name, f.jsonSchema()})
	}

	obj := jsonObject{
		{"type", "object"},
		{"properties", props},
		{"additionalProperties", false},
	}
	if rules := s.unitRules(path); len(rules) > 0 {
		obj = append(obj, jsonMember{"allOf", rules})
	}
	if path != "" {
		obj = obj[1:] // the caller gives the type, null included
	}
	return obj
}

// jsonSchema returns the schema of one key.
func (f *field) jsonSchema() jsonObject {
	var o jsonObject
	if desc := f.jsonDescription(); desc != "" {
		o = append(o, jsonMember{"description", desc})
	}
	typ := map[kind]string{kindString: "string", kindSecret: "string",
		kindText: "string", kindDuration: "string", kindBool: "boolean",
		kindInt: "integer", kindUint: "integer", kindFloat: "number",
		kindStrings: "array"}[f.kind]
	o = append(o, jsonMember{"type", []string{typ, "null"}})

	switch f.kind {
	case kindSecret:
		o = append(o, jsonMember{"format", "password"},
			jsonMember{"writeOnly", true},
			jsonMember{"pattern", `^(\S([\s\S]*\S)?)?$`})
	case kindUint:
		o = append(o, jsonMember{"minimum", 0})
	case kindStrings:
		o = append(o, jsonMember{"items", jsonObject{{"type", "string"}}})
	case kindDuration:
		o = append(o, f.durationRules()...)
	}
	o = append(o, f.ruleSchema()...)
	if f.hasDef {
		if v, ok := f.jsonDefault(); ok {
			o = append(o, jsonMember{"default", v})
		}
	}
	return o
}

// jsonDescription is the doc tag and the variables that set the key.
func (f *field) jsonDescription() string {
	desc := f.doc
	if len(f.env) > 0 {
		env := "Environment: " + f.env[0]
		if len(f.env) > 1 {
			env += " (alias " + strings.Join(f.env[1:], ", ") + ")"
		}
		if f.fileEnv != "" {
			env += ", or " + f.fileEnv + " naming a file"
		}
		desc = strings.TrimSpace(desc + " " + env + ".")
	}
	return desc
}

// durationRules gives the pattern of a duration, narrowed by a gt=0 or
// gte=0 rule, which a pattern can state.
func (f *field) durationRules() jsonObject {
	rules := parseRules(f.rules)
	switch {
	case rules["gt"] == "0":
		return jsonObject{
			{"pattern", strings.Replace(durationPattern, "[-+]?", `\+?`, 1)},
			{"not", jsonObject{{"type", "string"},
				{"pattern", "^[^1-9]*$"}}},
		}
	case rules["gte"] == "0" || rules["min"] == "0":
		return jsonObject{
			{"pattern", strings.Replace(durationPattern, "[-+]?", `\+?`, 1)},
		}
	}
	return jsonObject{{"pattern", durationPattern}}
}

// ruleSchema states the validate rules that JSON Schema can.
func (f *field) ruleSchema() jsonObject {
	var o jsonObject
	rules := parseRules(f.rules)
	numeric := f.kind == kindInt || f.kind == kindUint || f.kind == kindFloat
	bounds := []struct{ rule, keyword string }{
		{"gt", "exclusiveMinimum"}, {"gte", "minimum"}, {"min", "minimum"},
		{"lt", "exclusiveMaximum"}, {"lte", "maximum"}, {"max", "maximum"},
	}
	for _, b := range bounds {
		p, ok := rules[b.rule]
		if !ok || !numeric {
			continue
		}
		if n, err := strconv.ParseFloat(p, 64); err == nil {
			o = append(o, jsonMember{b.keyword, n})
		}
	}
	if p, ok := rules["oneof"]; ok {
		o = append(o, jsonMember{"enum", strings.Fields(p)})
	}
	if _, ok := rules["api_url"]; ok {
		o = append(o, jsonMember{"format", "uri"}, jsonMember{"pattern",
			`^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\s]+(/[^?#\s]*)?$`})
	}
	for rule, format := range map[string]string{"url": "uri",
		"email": "email", "hostname": "hostname"} {
		if _, ok := rules[rule]; ok {
			o = append(o, jsonMember{"format", format})
		}
	}
	return o
}

// parseRules splits a validate tag into rule names and parameters.
func parseRules(tag string) map[string]string {
	rules := map[string]string{}
	for r := range strings.SplitSeq(tag, ",") {
		name, param, _ := strings.Cut(r, "=")
		if name != "" {
			rules[name] = param
		}
	}
	return rules
}

// jsonDefault returns the default tag as a JSON value of the key's type.
func (f *field) jsonDefault() (any, bool) {
	v, err := parseText(f, f.def)
	if err != nil {
		return nil, false
	}
	switch x := v.(type) {
	case time.Duration:
		return f.def, true
	case int64, uint64, float64, bool, string, []string:
		return x, true
	}
	return f.def, true
}

// unitRules returns, for each exclusive set whose keys sit in the object
// at path, schemas that refuse an object holding one whole unit and any
// key of another.
func (s *schema) unitRules(path string) []any {
	var rules []any
	for _, set := range s.units {
		if parent(set.alts[set.order[0]][0]) != path {
			continue
		}
		for i, whole := range set.order {
			for j, other := range set.order {
				a, b := set.alts[whole], set.alts[other]
				// A unit of one key is set exactly when it is whole, so
				// the rule the other way round covers this one.
				if i == j || (len(b) == 1 && (len(a) > 1 || j < i)) {
					continue
				}
				rules = append(rules, s.exclusion(set, a, b))
			}
		}
	}
	return rules
}

// exclusion refuses an object that sets every key of whole and any key
// of other.
func (s *schema) exclusion(set *unitSet, whole, other []string) jsonObject {
	var all []any
	for _, k := range whole {
		all = append(all, s.isSet(k))
	}
	if len(other) == 1 {
		all = append(all, s.isSet(other[0]))
	} else {
		var some []any
		for _, k := range other {
			some = append(some, s.isSet(k))
		}
		all = append(all, jsonObject{{"anyOf", some}})
	}
	return jsonObject{
		{"description", "a file may hold one " + lastPart(set.name) +
			" method, not keys of two: " + set.describeAlts()},
		{"not", jsonObject{{"allOf", all}}},
	}
}

// isSet is a schema that holds for an object in which key is present
// and neither null nor an empty string.
func (s *schema) isSet(key string) jsonObject {
	name := lastPart(key)
	set := jsonObject{{"not", jsonObject{{"enum", []any{nil, ""}}}}}
	return jsonObject{
		{"type", "object"},
		{"required", []string{name}},
		{"properties", jsonObject{{name, set}}},
	}
}

// jsonObject is a JSON object that keeps its members in order.
type jsonObject []jsonMember

type jsonMember struct {
	k string
	v any
}

// MarshalJSON writes the members in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(m.k)
		if err != nil {
			return nil, err
		}
		v, err := marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without escaping <, > and &, which patterns
// and descriptions may hold.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
