package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"go.yaml.in/yaml/v3"
)

// maxFileSize caps a configuration file, which is read whole.
const maxFileSize = 4 << 20

// fileOrigin says how a configuration file was chosen, which decides
// whether it must exist and what a problem with it asks the user to fix.
type fileOrigin int

const (
	named    fileOrigin = iota // WithFiles: --config
	listed                     // the files variable: CLOUDCFG_CONFIG
	searched                   // WithSearch: found by looking
)

// fileLayer reads one configuration file into a layer. YAML and JSON keep
// line numbers; TOML values have none.
func (ld *load) fileLayer(path string, how fileOrigin) (*layer, bool) {
	l := newLayer(SourceFile, path)
	data, perm, err := readCapped(path, maxFileSize)
	if err != nil {
		if how == searched && errors.Is(err, fs.ErrNotExist) {
			return nil, true
		}
		var fix string
		switch how {
		case named:
			fix = "check the path, or create the file"
		case listed:
			fix = "check the paths listed in " + ld.o.filesVar
		case searched:
			fix = "make it a readable regular file, or remove it"
		}
		ld.fileProblem(path, 0, RuleFile, describeFileErr(err), fix)
		return nil, false
	}

	root, line, err := parseTree(path, data)
	if err != nil {
		ld.fileProblem(path, line, RuleSyntax, err.Error(),
			"fix the syntax of "+Source{Kind: SourceFile, Name: path,
				Line: line}.Location())
		return nil, false
	}
	if root == nil {
		return l, true
	}
	if root.Kind != yaml.MappingNode {
		ld.fileProblem(path, root.Line, RuleSyntax,
			"want a mapping of keys at the top of the file, not "+
				nodeKind(root), "write one key: value pair a line, "+
				"such as "+ld.s.fields[0].key+": ...")
		return nil, false
	}
	ld.walkMapping(l, root, "")
	ld.warnReadable(path, perm, "config file", l)
	return l, true
}

// readCapped reads a whole file of at most limit bytes, and returns its
// permission bits as well. It checks that path names a regular file
// before opening it, since opening a named pipe would wait for a writer.
func readCapped(path string, limit int64) ([]byte, fs.FileMode, error) {
	if path == "" {
		return nil, 0, errors.New("the path is empty")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, errors.New("not a regular file")
	}
	if st.Size() > limit {
		return nil, 0, fmt.Errorf("larger than %d bytes", limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead) // one read, one allocation
	if _, err := buf.ReadFrom(&limitedReader{f, limit + 1}); err != nil {
		return nil, 0, err
	}
	if int64(buf.Len()) > limit {
		return nil, 0, fmt.Errorf("larger than %d bytes", limit)
	}
	return buf.Bytes(), st.Mode().Perm(), nil
}

type limitedReader struct {
	f *os.File
	n int64
}

func (r *limitedReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("file grew while being read")
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n, err := r.f.Read(p)
	r.n -= int64(n)
	return n, err
}

func describeFileErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "no such file"
		case errors.Is(err, fs.ErrPermission):
			return "permission denied"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

var (
	yamlLine   = regexp.MustCompile(`^yaml: line (\d+): `)
	yamlAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced`)
)

// parseTree parses a file into a YAML node tree. It returns nil for an
// empty document, and the line of a syntax error when known.
func parseTree(path string, data []byte) (*yaml.Node, int, error) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) ||
		bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, 1, errors.New("the file is UTF-16; save it as UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	switch ext := filepath.Ext(path); {
	case strings.EqualFold(ext, ".toml"):
		return parseTOML(data)
	case strings.EqualFold(ext, ".json"):
		// YAML reads JSON too, but accepts what JSON does not and
		// places errors at the start of the enclosing object.
		if line, err := checkJSON(data); err != nil {
			return nil, line, err
		}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		return nil, 0, nil
	}
	if err == nil {
		var next yaml.Node
		switch err = dec.Decode(&next); {
		case errors.Is(err, io.EOF):
			err = nil
		case err == nil:
			return nil, next.Line, errors.New("a second YAML document " +
				"starts here; cloudcfg reads one document a file: " +
				"remove the --- line, or split the file")
		}
	}
	if err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, line, errors.New(scrub(msg[len(m[0]):]))
		}
		// The parser leaves out the line when it is the first. An
		// unknown anchor has none either: look for its use, then leave
		// its name out, since an unquoted value starting with "*" may be
		// a secret.
		msg = strings.TrimPrefix(msg, "yaml: ")
		if strings.HasSuffix(msg, "unexpected end of stream") {
			msg += " (a quote or bracket left open?)"
		}
		line := 1
		if m := yamlAnchor.FindStringSubmatch(msg); m != nil {
			line = lineOf(data, "*"+m[1])
			msg = "unknown anchor referenced; quote a value that starts " +
				"with *"
		}
		return nil, line, errors.New(scrub(msg))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, 0, nil
	}
	if root := doc.Content[0]; root.Kind == yaml.ScalarNode &&
		root.Tag == "!!null" {
		return nil, 0, nil // a file of only "---", or of "null"
	}
	return doc.Content[0], 0, nil
}

// scrub removes from a parser's message the parts that quote the file:
// quoted text, and long tokens with digits such as a number that did not
// fit. The file may hold secrets, and the line number says where to look.
func scrub(msg string) string {
	msg = quoted.ReplaceAllStringFunc(msg, func(q string) string {
		i := strings.IndexAny(q, "'\"`")
		return q[:i+1] + "…" + q[len(q)-1:]
	})
	fields := strings.Fields(msg)
	for i, f := range fields {
		if len(f) >= 8 && strings.ContainsAny(f, "0123456789") {
			fields[i] = "…"
		}
	}
	return strings.Join(fields, " ")
}

// quoted matches quoted text; an apostrophe inside a word (couldn't) does
// not open a quote.
var quoted = regexp.MustCompile(`(^|[^\pL])'[^']*'|"[^"]*"|` + "`[^`]*`")

// lineOf returns the first line of data that holds s, or 0.
func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// checkJSON returns the line and message of the first JSON syntax error
// in data, or a nil error.
func checkJSON(data []byte) (int, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return 0, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &se):
		return bytes.Count(data[:se.Offset], []byte("\n")) + 1,
			errors.New(scrub(se.Error()))
	}
	return 0, errors.New(scrub(err.Error()))
}

func parseTOML(data []byte) (*yaml.Node, int, error) {
	var m map[string]any
	if err := toml.Unmarshal(data, &m); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			return nil, line, errors.New(
				scrub(strings.TrimPrefix(de.Error(), "toml: ")))
		}
		return nil, 0, errors.New(scrub(err.Error()))
	}
	var n yaml.Node
	if err := n.Encode(m); err != nil {
		return nil, 0, err
	}
	return &n, 0, nil
}

// walkMapping reads the keys of one mapping node at path into l.
func (ld *load) walkMapping(l *layer, m *yaml.Node, path string) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, vn := m.Content[i], m.Content[i+1]
		name := strings.ToLower(kn.Value)
		key := join(path, name)
		if first, dup := seen[name]; dup {
			ld.duplicate(l, key, first, kn)
			continue
		}
		seen[name] = kn

		if vn.Kind == yaml.AliasNode {
			vn = vn.Alias
		}
		if ld.s.sections[key] {
			ld.walkSection(l, kn, vn, key)
			continue
		}
		f := ld.s.byKey[key]
		if f == nil {
			ld.unknownKey(l, kn, path, key)
			continue
		}
		src := Source{Kind: SourceFile, Name: l.src.Name, Line: kn.Line}
		v, err := parseNode(f, vn)
		if err == nil && kn.Line == 0 && textKind(f) &&
			vn.Kind == yaml.ScalarNode && vn.Tag != "!!str" {
			// A TOML value that is no string reached us as its number
			// or boolean, its text lost (0x1F is 31 by now): refuse it
			// rather than keep text the user did not write.
			err = errors.New("want a string, not " + describe(vn) +
				"; quote the value")
		}
		switch {
		case errors.Is(err, errUnset):
		case err != nil:
			ld.typeProblem(f, src, err)
		default:
			l.values[f.key] = value{v: v, src: src}
		}
	}
}

// textKind reports whether f takes its value as text.
func textKind(f *field) bool {
	return f.kind == kindString || f.kind == kindSecret || f.kind == kindText
}

// duplicate reports kn, a key that first appeared as first in the same
// mapping. Keys match without regard to case.
func (ld *load) duplicate(l *layer, key string, first, kn *yaml.Node) {
	same := first.Value == kn.Value
	var msg, fix string
	if first.Line != kn.Line {
		msg = fmt.Sprintf("set twice, at lines %d and %d", first.Line,
			kn.Line)
		if !same {
			msg = fmt.Sprintf("%q at line %d and %q at line %d are the "+
				"same key (keys ignore case)", first.Value, first.Line,
				kn.Value, kn.Line)
		}
		fix = fmt.Sprintf("remove line %d or line %d of %s", first.Line,
			kn.Line, l.src.Name)
	} else {
		// One line (flow style), or a format without lines (TOML).
		msg = "set twice"
		if !same {
			msg = fmt.Sprintf("%q and %q are the same key (keys ignore "+
				"case)", first.Value, kn.Value)
		}
		fix = "keep one of the two in " + l.src.Name
	}
	ld.problem(Problem{Key: key, Rule: RuleDuplicate,
		Source:  &Source{Kind: SourceFile, Name: l.src.Name, Line: kn.Line},
		Message: msg, Fix: fix})
}

func (ld *load) walkSection(l *layer, kn, vn *yaml.Node, key string) {
	switch {
	case vn.Kind == yaml.MappingNode:
		ld.walkMapping(l, vn, key)
	case vn.Kind == yaml.ScalarNode && vn.Tag == "!!null":
	default:
		ld.problem(Problem{Key: key, Rule: RuleType,
			Source:  &Source{Kind: SourceFile, Name: l.src.Name, Line: kn.Line},
			Message: "want a mapping of keys, not " + nodeKind(vn),
			Fix: "write the keys of " + key + " indented below it: " +
				keyList(ld.keysBeside(key))})
	}
}

func (ld *load) unknownKey(l *layer, kn *yaml.Node, path, key string) {
	p := Problem{Key: key, Rule: RuleUnknown,
		Source:  &Source{Kind: SourceFile, Name: l.src.Name, Line: kn.Line},
		Message: fmt.Sprintf("unknown key %q", kn.Value)}
	if f := ld.fieldOfVar(path, kn.Value); f != nil {
		p.Fix = fmt.Sprintf("%s is the variable; in a file the key is %q",
			kn.Value, f.name)
	} else if kn.Value == "<<" {
		p.Message = "YAML merge keys (<<) are not supported"
		p.Fix = "write the keys out in full"
	} else if near := ld.nearestKey(path, strings.ToLower(kn.Value)); near != "" {
		p.Fix = fmt.Sprintf("did you mean %q?", near)
	} else {
		p.Fix = "remove it; the keys known here are " +
			keyList(ld.keysBeside(path))
	}
	ld.problem(p)
}

// fieldOfVar returns the field beside path that the variable name sets,
// for a file that uses variable names as keys.
func (ld *load) fieldOfVar(path, name string) *field {
	for _, f := range ld.s.fields {
		if parent(f.key) != path {
			continue
		}
		for _, n := range f.env {
			if strings.EqualFold(n, name) {
				return f
			}
		}
	}
	return nil
}

// nearestKey returns the known key beside path that is closest to name, or
// "" when none is close enough to be a typo.
func (ld *load) nearestKey(path, name string) string {
	best, bestD := "", 0
	consider := func(candidate string) {
		d := distance(name, candidate)
		if d <= max(2, len(candidate)/3) && (best == "" || d < bestD) {
			best, bestD = candidate, d
		}
	}
	for _, f := range ld.s.fields {
		if parent(f.key) == path {
			consider(f.name)
		}
	}
	for sec := range ld.s.sections {
		if parent(sec) == path {
			consider(sec[strings.LastIndexByte(sec, '.')+1:])
		}
	}
	return best
}

func parent(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[:i]
	}
	return ""
}

// distance is the optimal string alignment distance of a and b: edits,
// counting a swap of two neighbours as one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// warnReadable reports a file, the layer l, that others may read while
// it holds a secret itself; a secret read from the file a variable names
// gets its own report. perm is the file's permission bits.
func (ld *load) warnReadable(path string, perm fs.FileMode, what string,
	l *layer) {
	for _, f := range ld.s.fields {
		v, ok := l.values[f.key]
		if ok && f.kind == kindSecret && v.src.Path == "" {
			ld.warnIfReadable(path, perm, what+" holding a secret", f.key,
				v.src)
			return
		}
	}
}

// warnIfReadable warns when the file at path, whose permission bits are
// perm and which holds the secret key read from src, may be read by
// every user of the machine. subject names the file in the message.
func (ld *load) warnIfReadable(path string, perm fs.FileMode, subject,
	key string, src Source) {
	if perm&0o004 == 0 {
		return
	}
	attrs := []string{"key", key}
	if src.Path != "" {
		attrs = append(attrs, "source", src.String())
	} else {
		attrs = append(attrs, "file", path)
		if src.Line > 0 {
			attrs = append(attrs, "line", strconv.Itoa(src.Line))
		}
	}
	ld.warn(subject+" is readable by every user; run chmod 600 on it",
		attrs...)
}

// warn records a finding that is not an error in the report, and tells
// the logger. attrs are slog's key and value pairs, all strings.
func (ld *load) warn(msg string, attrs ...string) {
	text := msg
	for i := 0; i+1 < len(attrs); i += 2 {
		sep := ", "
		if i == 0 {
			sep = " ("
		}
		text += sep + attrs[i] + " " + attrs[i+1]
	}
	if len(attrs) > 1 {
		text += ")"
	}
	ld.report.Warnings = append(ld.report.Warnings, text)
	if ld.o.logger != nil {
		args := make([]any, len(attrs))
		for i, a := range attrs {
			args[i] = a
		}
		ld.o.logger.Warn(msg, args...)
	}
}
