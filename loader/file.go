package loader

import (
	"bytes"
	"errors"
	"fmt"
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

// fileLayer reads one configuration file into a layer. YAML and JSON keep
// line numbers; TOML values have none.
func (ld *load) fileLayer(path string, required bool) (*layer, bool) {
	l := newLayer(SourceFile, path)
	data, err := readCapped(path, maxFileSize)
	if err != nil {
		if !required && errors.Is(err, fs.ErrNotExist) {
			return nil, true
		}
		ld.fileProblem(path, 0, RuleFile, describeFileErr(err),
			"check the path given with --config or CLOUDCFG_CONFIG")
		return nil, false
	}

	root, line, err := parseTree(path, data)
	if err != nil {
		ld.fileProblem(path, line, RuleSyntax, err.Error(),
			"fix the file's syntax")
		return nil, false
	}
	if root == nil {
		return l, true
	}
	if root.Kind != yaml.MappingNode {
		ld.fileProblem(path, root.Line, RuleSyntax,
			"want a mapping of keys at the top of the file, not "+
				nodeKind(root), "")
		return nil, false
	}
	ld.walkMapping(l, root, "")
	ld.warnReadable(path, l)
	return l, true
}

func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead) // one read, one allocation
	if _, err := buf.ReadFrom(&limitedReader{f, limit + 1}); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return buf.Bytes(), nil
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

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseTree parses a file into a YAML node tree. It returns nil for an
// empty document, and the line of a syntax error when known.
func parseTree(path string, data []byte) (*yaml.Node, int, error) {
	if strings.EqualFold(filepath.Ext(path), ".toml") {
		return parseTOML(data)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, line, errors.New(msg[len(m[0]):])
		}
		return nil, 0, errors.New(strings.TrimPrefix(msg, "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, 0, nil
	}
	return doc.Content[0], 0, nil
}

func parseTOML(data []byte) (*yaml.Node, int, error) {
	var m map[string]any
	if err := toml.Unmarshal(data, &m); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			return nil, line, errors.New(de.Error())
		}
		return nil, 0, err
	}
	var n yaml.Node
	if err := n.Encode(m); err != nil {
		return nil, 0, err
	}
	return &n, 0, nil
}

// walkMapping reads the keys of one mapping node at path into l.
func (ld *load) walkMapping(l *layer, m *yaml.Node, path string) {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, vn := m.Content[i], m.Content[i+1]
		name := strings.ToLower(kn.Value)
		key := join(path, name)
		if first, dup := seen[name]; dup {
			ld.problem(Problem{Key: key, Rule: RuleDuplicate,
				Source:  &Source{Kind: SourceFile, Name: l.src.Name, Line: kn.Line},
				Message: fmt.Sprintf("key also set at line %d", first),
				Fix:     "keep one of the two"})
			continue
		}
		seen[name] = kn.Line

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
		switch {
		case errors.Is(err, errUnset):
		case err != nil:
			ld.typeProblem(f, src, err)
		default:
			l.values[f.key] = value{v: v, src: src}
		}
	}
}

func (ld *load) walkSection(l *layer, kn, vn *yaml.Node, key string) {
	switch {
	case vn.Kind == yaml.MappingNode:
		ld.walkMapping(l, vn, key)
	case vn.Kind == yaml.ScalarNode && vn.Tag == "!!null":
	default:
		ld.problem(Problem{Key: key, Rule: RuleType,
			Source:  &Source{Kind: SourceFile, Name: l.src.Name, Line: kn.Line},
			Message: "want a mapping of keys, not " + nodeKind(vn)})
	}
}

func (ld *load) unknownKey(l *layer, kn *yaml.Node, path, key string) {
	p := Problem{Key: key, Rule: RuleUnknown,
		Source:  &Source{Kind: SourceFile, Name: l.src.Name, Line: kn.Line},
		Message: "unknown key"}
	if near := ld.nearestKey(path, strings.ToLower(kn.Value)); near != "" {
		p.Fix = fmt.Sprintf("did you mean %q?", near)
	} else {
		p.Fix = "remove it, or see `cloudcfg schema` for the known keys"
	}
	ld.problem(p)
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

// warnReadable reports a file that others may read while it holds a
// secret.
func (ld *load) warnReadable(path string, l *layer) {
	if ld.o.logger == nil {
		return
	}
	for key, v := range l.values {
		if ld.s.byKey[key].kind != kindSecret {
			continue
		}
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o004 != 0 {
			ld.o.logger.Warn("config file holding a secret is "+
				"readable by every user; run chmod 600 on it",
				"file", path, "key", key, "line", v.src.Line)
		}
		return
	}
}
