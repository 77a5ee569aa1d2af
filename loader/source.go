package loader

import (
	"strconv"
)

// SourceKind names the layer a value came from.
type SourceKind string

// The layers, lowest priority first, and the derived values.
const (
	SourceDefault SourceKind = "default"
	SourceFile    SourceKind = "file"
	SourceDotenv  SourceKind = "dotenv"
	SourceEnv     SourceKind = "env"
	SourceFlag    SourceKind = "flag"
	SourceOption  SourceKind = "option"
	SourceDerived SourceKind = "derived"
)

// Source says where a value came from. Its String form is what errors and
// the CLI show: "default", "file config.yaml:3", "dotenv app.env:2",
// "env AIRBYTE_CLOUD_BEARER_TOKEN", "env NAME_FILE (/run/secrets/token)",
// "flag --api-root", "option" or "derived from api_root".
type Source struct {
	Kind SourceKind `json:"kind" yaml:"kind"`
	// Name is the file path, the variable, the flag or the key derived
	// from, by Kind.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Line is the line in the file, 0 when unknown.
	Line int `json:"line,omitempty" yaml:"line,omitempty"`
	// Path is the file a variable or flag named, for NAME_FILE variables
	// and --KEY-file flags.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
}

// String returns the source as errors and the CLI show it.
func (s Source) String() string {
	var b []byte
	switch s.Kind {
	case SourceDerived:
		return "derived from " + s.Name
	case SourceFlag:
		b = append(b, "flag --"...)
		b = append(b, s.Name...)
	case SourceDefault, SourceOption:
		return string(s.Kind)
	default:
		b = append(b, s.Kind...)
		b = append(b, ' ')
		b = append(b, s.Name...)
	}
	if s.Line > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(s.Line), 10)
	}
	if s.Path != "" {
		b = append(b, " ("...)
		b = append(b, s.Path...)
		b = append(b, ')')
	}
	return string(b)
}

// Location returns "PATH:LINE" for values from files, else the String form.
func (s Source) Location() string {
	if s.Kind == SourceFile || s.Kind == SourceDotenv {
		if s.Line > 0 {
			return s.Name + ":" + strconv.Itoa(s.Line)
		}
		return s.Name
	}
	return s.String()
}

// value is one key's value in one layer.
type value struct {
	v   any // typed: string, secret.String, bool, int64, ...
	src Source
}

// layer is one source of values: a file, the environment, the flags.
type layer struct {
	src    Source // Kind and Name of the layer, no Line
	values map[string]value
}

func newLayer(kind SourceKind, name string) *layer {
	return &layer{src: Source{Kind: kind, Name: name},
		values: map[string]value{}}
}
