package loader

import (
	"strconv"
	"strings"
)

// Rules that the loader itself checks, as found in Problem.Rule. Rules
// from validate tags keep the tag's name ("required_with", "api_url").
const (
	RuleSyntax    = "syntax"     // a file or line does not parse
	RuleFile      = "file"       // a file cannot be read
	RuleUnknown   = "unknown"    // a key no field has
	RuleDuplicate = "duplicate"  // a key twice in one mapping
	RuleType      = "type"       // a value of the wrong type
	RuleBothForms = "both_forms" // NAME and NAME_FILE both set
	RuleUnitMix   = "unit_mix"   // one layer sets two exclusive units
	RuleNoUnit    = "no_unit"    // no unit of an exclusive set is set
	RuleHalfUnit  = "half_unit"  // a unit is set in part
	RuleTwoUnits  = "two_units"  // the merged result holds two units
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Key is the key the problem is about; "" when it is about a whole
	// file, or about a set of keys none of which is set.
	Key string `json:"key" yaml:"key"`
	// Env is the variable that sets Key, "" when none does.
	Env string `json:"env,omitempty" yaml:"env,omitempty"`
	// Source is where the offending value came from; nil when the
	// problem is that nothing was set.
	Source *Source `json:"source,omitempty" yaml:"source,omitempty"`
	// Rule names the rule broken.
	Rule string `json:"rule" yaml:"rule"`
	// Message says what is wrong, without any secret value.
	Message string `json:"message" yaml:"message"`
	// Fix says what to do about it, naming the file, line, variable or
	// flag to change.
	Fix string `json:"fix,omitempty" yaml:"fix,omitempty"`
	// Err, when set, is what errors.Is matches the problem against.
	Err error `json:"-" yaml:"-"`

	set string // the unit set a problem about units is about
}

// String returns "where: key: message; fix".
func (p Problem) String() string {
	var b strings.Builder
	if p.Source != nil {
		b.WriteString(p.Source.Location())
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString("; ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// ValidationError holds every problem found in a configuration, so that
// one run shows everything to fix.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one a line after the first.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "config: " + e.Problems[0].String()
	}
	var b strings.Builder
	b.WriteString("config: ")
	b.WriteString(strconv.Itoa(len(e.Problems)))
	b.WriteString(" problems:")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns the Err of each problem that has one, for errors.Is.
func (e *ValidationError) Unwrap() []error {
	var errs []error
	for _, p := range e.Problems {
		if p.Err != nil {
			errs = append(errs, p.Err)
		}
	}
	return errs
}
