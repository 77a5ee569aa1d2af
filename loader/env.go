package loader

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// maxSecretSize caps a secret read from a NAME_FILE file or a flag.
const maxSecretSize = 64 << 10

// vars is one set of variables: the process environment or a dotenv file.
type vars struct {
	kind   SourceKind
	name   string // the dotenv path
	lookup func(string) (string, bool)
	lines  map[string]int // dotenv line of each variable
	perm   fs.FileMode    // the dotenv file's permission bits
}

func (vs *vars) source(name string) Source {
	if vs.kind == SourceDotenv {
		return Source{Kind: SourceDotenv, Name: vs.name, Line: vs.lines[name]}
	}
	return Source{Kind: SourceEnv, Name: name}
}

// varsLayer reads every field's variables from vs into a layer. Empty
// variables count as unset.
func (ld *load) varsLayer(vs *vars) *layer {
	l := newLayer(vs.kind, vs.name)
	for _, f := range ld.s.fields {
		if v, ok := ld.fieldFromVars(vs, f); ok {
			l.values[f.key] = v
		}
	}
	if vs.kind == SourceDotenv {
		ld.warnReadable(vs.name, vs.perm, "dotenv file", l)
	}
	return l
}

func (ld *load) fieldFromVars(vs *vars, f *field) (value, bool) {
	if f.fileEnv != "" {
		if path, _ := vs.lookup(f.fileEnv); path != "" {
			src := vs.source(f.fileEnv)
			src.Path = path
			if plain, _ := vs.lookup(f.env[0]); plain != "" {
				ld.problem(Problem{Key: f.key, Env: f.env[0], Source: &src,
					Rule:    RuleBothForms,
					Message: f.env[0] + " and " + f.fileEnv + " are both set",
					Fix:     "unset one of them"})
				return value{}, false
			}
			return ld.secretFromFile(f, src, path)
		}
	}
	for _, name := range f.env {
		s, _ := vs.lookup(name)
		if s == "" {
			continue
		}
		src := vs.source(name)
		v, err := parseText(f, s)
		if err != nil {
			ld.typeProblem(f, src, err)
			return value{}, false
		}
		return value{v: v, src: src}, true
	}
	return value{}, false
}

// secretFromFile reads a secret from the file at path, following symlinks
// as Kubernetes secret mounts need. One trailing newline is dropped.
func (ld *load) secretFromFile(f *field, src Source, path string) (value, bool) {
	data, perm, err := readSecretFile(path)
	if err != nil {
		ld.problem(Problem{Key: f.key, Env: f.envHint(), Source: &src,
			Rule: RuleFile, Message: "cannot read the secret file: " + err.Error(),
			Fix: "point " + setting(src) + " at a readable regular file"})
		return value{}, false
	}
	ld.report.SecretFiles = append(ld.report.SecretFiles, path)
	ld.warnIfReadable(path, perm, "secret file", f.key, src)
	return ld.secretValue(f, src, data, Problem{Env: f.envHint(),
		Message: "the secret file is empty",
		Fix:     "write the secret into it, or unset " + setting(src)})
}

// secretValue turns the bytes read for a secret, less one trailing
// newline, into f's value. empty is the problem to report, with its key,
// source and rule filled in here, when nothing is left.
func (ld *load) secretValue(f *field, src Source, data []byte,
	empty Problem) (value, bool) {
	s := trimNewline(string(data))
	if s == "" {
		empty.Key, empty.Source, empty.Rule = f.key, &src, RuleFile
		ld.problem(empty)
		return value{}, false
	}
	v, err := parseText(f, s)
	if err != nil {
		ld.typeProblem(f, src, err)
		return value{}, false
	}
	return value{v: v, src: src}, true
}

// setting names the variable or flag that src stands for, as a user
// would write it.
func setting(src Source) string {
	if src.Kind == SourceFlag {
		return "--" + src.Name
	}
	return src.Name
}

func readSecretFile(path string) ([]byte, fs.FileMode, error) {
	data, perm, err := readCapped(path, maxSecretSize)
	if err != nil {
		return nil, 0, errors.New(describeFileErr(err))
	}
	return data, perm, nil
}

func readSecretReader(r io.Reader) ([]byte, error) {
	if s, ok := r.(*stdinOnce); ok {
		return s.all()
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSecretSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSecretSize {
		return nil, fmt.Errorf("larger than %d bytes", maxSecretSize)
	}
	return data, nil
}

func trimNewline(s string) string {
	if strings.HasSuffix(s, "\r\n") {
		return s[:len(s)-2]
	}
	return strings.TrimSuffix(s, "\n")
}

// DotenvError is a line of a dotenv file that does not parse.
type DotenvError struct {
	Path string
	Line int
	Msg  string
	Fix  string // what to do, when more can be said than "write KEY=value"
}

// Error returns "PATH:LINE: message".
func (e *DotenvError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// ParseDotenv parses a dotenv file: KEY=value lines, with optional
// "export " before the key, single quotes (taken as written), double
// quotes (with \n, \t, \" and \\ escapes), comments from "#" at the start
// of a line or after a space in an unquoted value, and blank lines. It
// returns each variable and the line it is set on. A variable set twice
// is an error, as a key set twice in a configuration file is.
func ParseDotenv(path string, r io.Reader) (map[string]string, map[string]int, error) {
	vals, lines := map[string]string{}, map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxSecretSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' {
			continue
		}
		key, val, err := parseDotenvLine(line)
		if err != nil {
			return nil, nil, &DotenvError{Path: path, Line: n, Msg: err.Error()}
		}
		if first, dup := lines[key]; dup {
			return nil, nil, &DotenvError{Path: path, Line: n,
				Msg: fmt.Sprintf("%s is also set at line %d", key, first),
				Fix: fmt.Sprintf("remove line %d or line %d of %s", first,
					n, path)}
		}
		vals[key], lines[key] = val, n
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return vals, lines, nil
}

func parseDotenvLine(line string) (string, string, error) {
	if rest, ok := strings.CutPrefix(line, "export"); ok &&
		rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		line = strings.TrimSpace(rest)
	}
	key, val, ok := strings.Cut(line, "=")
	if !ok {
		return "", "", errors.New(`want KEY=value`)
	}
	key = strings.TrimSpace(key)
	if !validVarName(key) {
		return "", "", errors.New("the variable name is not valid: " +
			"use letters, digits and underscores, not starting with a digit")
	}
	val, err := dotenvValue(strings.TrimSpace(val))
	return key, val, err
}

func validVarName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func dotenvValue(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	switch q := v[0]; q {
	case '\'', '"':
		end := closingQuote(v, q)
		if end < 0 {
			return "", errors.New("the quoted value has no closing quote")
		}
		if rest := strings.TrimSpace(v[end+1:]); rest != "" && rest[0] != '#' {
			return "", errors.New("text after the closing quote")
		}
		if q == '\'' {
			return v[1:end], nil
		}
		return unescape(v[1:end]), nil
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	if i := strings.Index(v, "\t#"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v), nil
}

func closingQuote(v string, q byte) int {
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case v[i] == q:
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
