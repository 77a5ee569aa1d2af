package loader

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cloudcfg/cloudcfg/secret"
)

// errUnset reports a value that counts as not given: empty or null.
var errUnset = errors.New("unset")

// parseText turns text from the environment, a dotenv file, a flag or a
// default tag into f's typed value. Empty text is errUnset.
func parseText(f *field, s string) (any, error) {
	if s == "" {
		return nil, errUnset
	}
	switch f.kind {
	case kindString:
		return s, nil
	case kindSecret:
		if s == secret.Redacted {
			return nil, secret.ErrPlaceholder
		}
		return secret.New(s), nil
	case kindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("want true or false")
		}
		return b, nil
	case kindInt:
		n, err := strconv.ParseInt(s, 0, f.typ.Bits())
		if err != nil {
			return nil, fmt.Errorf("want a whole number that fits %s",
				f.typ)
		}
		return n, nil
	case kindUint:
		n, err := strconv.ParseUint(s, 0, f.typ.Bits())
		if err != nil {
			return nil, fmt.Errorf("want a whole number from 0 that fits %s",
				f.typ)
		}
		return n, nil
	case kindFloat:
		n, err := strconv.ParseFloat(s, f.typ.Bits())
		if err != nil {
			return nil, errors.New("want a number")
		}
		return n, nil
	case kindDuration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, errors.New(`want a duration such as "30s" or "1m30s"`)
		}
		return d, nil
	case kindStrings:
		var list []string
		for item := range strings.SplitSeq(s, ",") {
			list = append(list, strings.TrimSpace(item))
		}
		return list, nil
	case kindText:
		return parseTextValue(f, s)
	}
	return nil, fmt.Errorf("cannot decode %s", f.typ)
}

func parseTextValue(f *field, s string) (any, error) {
	p := reflect.New(f.typ)
	if err := p.Interface().(interface{ UnmarshalText([]byte) error }).
		UnmarshalText([]byte(s)); err != nil {
		return nil, err
	}
	return p.Elem().Interface(), nil
}

// parseNode turns a YAML scalar or sequence node into f's typed value. A
// string or secret field takes any scalar as written, so "0123" stays
// "0123"; other kinds want their own YAML type, and an empty string for
// them is an error rather than a zero value.
func parseNode(f *field, n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if err := unquotedMarker(n); err != nil {
		return nil, err
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, errUnset
	}
	if f.kind == kindStrings {
		return parseList(n)
	}
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("want %s, not %s", f.typeName(), nodeKind(n))
	}

	switch f.kind {
	case kindString, kindSecret, kindText:
		return parseText(f, n.Value)
	case kindBool:
		if n.Tag != "!!bool" {
			return nil, fmt.Errorf("want true or false, not %s",
				describe(n))
		}
	case kindInt, kindUint:
		if n.Tag != "!!int" {
			return nil, fmt.Errorf("want a whole number, not %s",
				describe(n))
		}
	case kindFloat:
		if n.Tag != "!!int" && n.Tag != "!!float" {
			return nil, fmt.Errorf("want a number, not %s", describe(n))
		}
		if v := strings.ToLower(n.Value); strings.Contains(v, "inf") ||
			strings.Contains(v, "nan") {
			return nil, errors.New("want a finite number")
		}
	case kindDuration:
		if n.Tag != "!!str" {
			return nil, fmt.Errorf(`want a duration such as "30s", not %s`,
				describe(n))
		}
	}
	if n.Value == "" {
		return nil, fmt.Errorf("want %s, not an empty string", f.typeName())
	}
	return parseYAMLScalar(f, n)
}

func parseYAMLScalar(f *field, n *yaml.Node) (any, error) {
	switch f.kind {
	case kindBool:
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, errors.New("want true or false")
		}
		return b, nil
	case kindInt:
		var v int64
		if err := n.Decode(&v); err != nil || !fitsInt(v, f.typ.Bits()) {
			return nil, fmt.Errorf("want a whole number that fits %s", f.typ)
		}
		return v, nil
	case kindUint:
		var v uint64
		if err := n.Decode(&v); err != nil ||
			(f.typ.Bits() < 64 && v >= 1<<f.typ.Bits()) {
			return nil, fmt.Errorf("want a whole number from 0 that fits %s",
				f.typ)
		}
		return v, nil
	case kindFloat:
		var v float64
		if err := n.Decode(&v); err != nil {
			return nil, errors.New("want a number")
		}
		return v, nil
	}
	return parseText(f, n.Value)
}

// unquotedMarker refuses a value that YAML read as an anchor with nothing
// after it, or as a tag of the file's own: both are most often a value
// starting with & or ! that was meant as text, such as a secret, and
// would otherwise vanish. The error does not repeat the text.
func unquotedMarker(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nil
	}
	if n.Tag != "" && !coreTags[n.Tag] {
		return errors.New("the value starts with !, which YAML reads as " +
			"a tag; quote the value")
	}
	if n.Anchor != "" && n.Tag == "!!null" {
		return errors.New("the value starts with &, which YAML reads as " +
			"an anchor; quote the value")
	}
	return nil
}

// coreTags are the YAML tags a configuration value may carry; any other,
// local (!x) or not (!!x), is most often text meant as a value.
var coreTags = map[string]bool{"!!str": true, "!!int": true,
	"!!float": true, "!!bool": true, "!!null": true, "!!timestamp": true,
	"!!binary": true}

func fitsInt(v int64, bits int) bool {
	if bits >= 64 {
		return true
	}
	limit := int64(1) << (bits - 1)
	return v >= -limit && v < limit
}

func parseList(n *yaml.Node) (any, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("want a list of strings, not %s", nodeKind(n))
	}
	list := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind == yaml.AliasNode {
			item = item.Alias
		}
		if err := unquotedMarker(item); err != nil {
			return nil, err
		}
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
			return nil, fmt.Errorf("want a list of strings, but item at "+
				"line %d is %s", item.Line, nodeKind(item))
		}
		list = append(list, item.Value)
	}
	return list, nil
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return describe(n)
	}
	return "something else"
}

// describe names a scalar's YAML type without showing its value, which
// may be a secret.
func describe(n *yaml.Node) string {
	switch n.Tag {
	case "!!str":
		if n.Value == "" {
			return "an empty string"
		}
		return "a string"
	case "!!int":
		return "a whole number"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	}
	return "a value with a tag" // the tag may be the text of a secret
}

// setField stores a typed value in the struct field at f.index.
func setField(root reflect.Value, f *field, v any) {
	dst := root.FieldByIndex(f.index)
	switch x := v.(type) {
	case int64:
		dst.SetInt(x)
	case uint64:
		dst.SetUint(x)
	case float64:
		dst.SetFloat(x)
	case time.Duration:
		dst.SetInt(int64(x))
	default:
		rv := reflect.ValueOf(v)
		if rv.Type() != dst.Type() {
			rv = rv.Convert(dst.Type())
		}
		dst.Set(rv)
	}
}

// typedValue checks a Go value given as an option against f's type: the
// field's own type, any Go number that fits a number field, or text
// parsed as from the environment.
func typedValue(f *field, v any) (any, error) {
	if s, ok := v.(string); ok && f.kind != kindString {
		return parseText(f, s)
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil, errUnset
	}
	switch f.kind {
	case kindInt, kindUint, kindFloat:
		return typedNumber(f, rv)
	case kindDuration:
		if rv.Type() == durationType {
			return time.Duration(rv.Int()), nil
		}
	case kindString:
		if rv.Kind() == reflect.String && rv.String() == "" {
			return nil, errUnset
		}
	case kindSecret:
		if s, ok := v.(secret.String); ok {
			if !s.IsSet() {
				return nil, errUnset
			}
			if s.Reveal() == secret.Redacted {
				return nil, secret.ErrPlaceholder
			}
		}
	}
	if rv.Type() != f.typ && (rv.Kind() != f.typ.Kind() ||
		!rv.Type().ConvertibleTo(f.typ)) {
		return nil, fmt.Errorf("want %s, not a Go %s", f.typeName(), rv.Type())
	}
	return rv.Convert(f.typ).Interface(), nil
}

func typedNumber(f *field, rv reflect.Value) (any, error) {
	var text string
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Int64:
		text = strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32,
		reflect.Uint64, reflect.Uintptr:
		text = strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		x := rv.Float()
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, errors.New("want a finite number")
		}
		text = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return nil, fmt.Errorf("want %s, not a Go %s", f.typeName(), rv.Type())
	}
	return parseText(f, text)
}
