package auth

import (
	"context"
	"errors"
	"html"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	// minRun is the length, in bytes, of the pieces of a credential that
	// a guard looks for.
	minRun = 6

	// maxUnescape bounds the rounds of unescaping a guard tries on a
	// text: enough for JSON quoted inside JSON inside a URL.
	maxUnescape = 4
)

// echoNote says why a text built from a reply is not shown.
const echoNote = "it may echo a credential"

// guard finds credentials in text that a server controls: a reply body,
// a header, a field of a token reply, an error from the transport.
//
// Servers quote what they were sent in more ways than can be listed: raw,
// escaped in JSON (and again in JSON quoted inside JSON), with `\/` for
// "/" or \u0026 for "&", percent escaped, as HTML entities, cut short. A
// guard rests on what these escapings share: they leave ASCII letters and
// digits as they are. It splits each secret into its runs of letters and
// digits, and takes a text to echo the secret when the text holds minRun
// bytes in a row of a run at least that long, case sensitive; so a
// secret that the server cut short is found too.
//
// A secret without such a run, short or mostly punctuation, is looked
// for whole instead: raw and in its usual escaped forms.
//
// Both checks are made on the text and again on what it unescapes to,
// JSON, percent and HTML escapes at once, up to maxUnescape times, so that
// an escaping of letters (\u0061, %61, &#97;) hides nothing either.
//
// A guard errs on the side of silence: a reply that merely shares six
// letters with a credential, such as the word "client", is withheld too.
// It cannot see through encodings that change the letters and digits
// themselves, such as base64, hex or a change of case, nor find a part
// of a secret that has no long run.
type guard struct {
	secrets []string
	grams   map[string]bool // every minRun-byte piece of the long runs
	forms   []string        // every secret, raw and escaped
}

// newGuard returns a guard for secrets; empty ones are skipped.
func newGuard(secrets ...string) *guard {
	g := &guard{grams: make(map[string]bool)}
	seen := make(map[string]bool)
	form := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			g.forms = append(g.forms, v)
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		g.secrets = append(g.secrets, s)
		for _, run := range alnumRuns(s) {
			for i := 0; i+minRun <= len(run); i++ {
				g.grams[run[i:i+minRun]] = true
			}
		}

		form(s)
		for _, esc := range []bool{true, false} {
			j := jsonEscape(s, esc)
			form(j)
			form(strings.ReplaceAll(j, "/", `\/`))
		}
		form(url.QueryEscape(s))
		form(url.PathEscape(s))
		form(html.EscapeString(s))
	}
	return g
}

// folded returns a guard for g's secrets in lower case, for text that
// has been lowered, such as a parsed media type.
func (g *guard) folded() *guard {
	lower := make([]string, len(g.secrets))
	for i, s := range g.secrets {
		lower[i] = strings.ToLower(s)
	}
	return newGuard(lower...)
}

// leaks reports whether text may hold one of g's secrets, whole or in
// part, as is or escaped.
func (g *guard) leaks(text string) bool {
	if len(g.secrets) == 0 {
		return false
	}
	if g.holds(text) {
		return true
	}
	for range maxUnescape {
		next := unescape(text)
		if next == text {
			return false
		}
		if g.holds(next) {
			return true
		}
		text = next
	}
	return false
}

// holds reports whether s contains a form of a secret or a piece of one
// of its long runs.
func (g *guard) holds(s string) bool {
	for _, f := range g.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	if len(g.grams) == 0 {
		return false
	}
	n := 0 // letters and digits in a row, up to s[i]
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			n = 0
			continue
		}
		n++
		if n >= minRun && g.grams[s[i+1-minRun:i+1]] {
			return true
		}
	}
	return false
}

// check returns err, or when the text of err may hold a secret an error
// that says so in its place. The stand-in keeps what callers test for and
// nothing else: see withheldError.
func (g *guard) check(op string, err error) error {
	if err == nil || !g.leaks(err.Error()) {
		return err
	}
	return &withheldError{op: op, err: err}
}

// kept are the errors that a withheldError still matches.
var kept = []error{
	ErrNotJSON,
	ErrTokenType,
	errTooLarge,
	context.Canceled,
	context.DeadlineExceeded,
}

// withheldError stands in for an error whose text may echo a credential.
// It matches, with errors.Is, the sentinels in kept that the error it
// replaces matched, and reports a timeout as that error did, but it does
// not unwrap to it, so that its text cannot be printed by mistake.
type withheldError struct {
	op  string // such as "check to URL"; "" for a ResponseError's cause
	err error
}

func (e *withheldError) Error() string {
	var b strings.Builder
	b.WriteString("auth: ")
	if e.op != "" {
		b.WriteString(e.op)
		b.WriteString(": ")
	}
	for _, k := range kept {
		if errors.Is(e.err, k) {
			b.WriteString(strings.TrimPrefix(k.Error(), "auth: "))
			b.WriteString(": ")
			break
		}
	}
	b.WriteString("details withheld: " + echoNote)
	return b.String()
}

// Is reports whether the replaced error matched target, one of kept.
func (e *withheldError) Is(target error) bool {
	for _, k := range kept {
		if target == k {
			return errors.Is(e.err, k)
		}
	}
	return false
}

// Timeout reports whether the replaced error was a timeout.
func (e *withheldError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

// Temporary is Timeout, as net.Error requires.
func (e *withheldError) Temporary() bool { return e.Timeout() }

// alnumRuns returns the maximal runs of ASCII letters and digits in s
// that are at least minRun bytes long.
func alnumRuns(s string) []string {
	var runs []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isAlnum(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minRun {
			runs = append(runs, s[start:i])
		}
		start = -1
	}
	return runs
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
		'0' <= c && c <= '9'
}

// unescape undoes one layer of JSON string escapes, percent escapes and
// HTML character references in s, leniently: what is not a valid escape
// is left as it is. s is returned as is when it has nothing to undo.
func unescape(s string) string {
	if strings.ContainsRune(s, '\\') {
		s = jsonUnescape(s)
	}
	if strings.ContainsRune(s, '%') {
		s = percentUnescape(s)
	}
	if strings.ContainsRune(s, '&') {
		s = html.UnescapeString(s)
	}
	return s
}

// jsonUnescape undoes the escapes of a JSON string in s, which need not
// be a JSON string: a backslash that starts no valid escape stays.
func jsonUnescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch c := s[i+1]; c {
		case '"', '\\', '/':
			b.WriteByte(c)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n := unicodeEscape(s[i:])
			if n == 0 {
				b.WriteByte('\\')
				i++
				continue
			}
			b.WriteRune(r)
			i += n
			continue
		default:
			b.WriteByte('\\')
			i++
			continue
		}
		i += 2
	}
	return b.String()
}

// unicodeEscape decodes the \uXXXX escape at the start of s, or a pair of
// them that spells a surrogate pair, and returns the rune and the bytes
// read; 0 bytes when s starts no such escape. A lone surrogate decodes
// to U+FFFD.
func unicodeEscape(s string) (rune, int) {
	r, ok := hex4(s)
	if !ok {
		return 0, 0
	}
	if utf16.IsSurrogate(r) {
		if r2, ok := hex4(s[6:]); ok {
			if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
				return p, 12
			}
		}
		return utf8.RuneError, 6
	}
	return r, 6
}

// hex4 reads the four hex digits of a \uXXXX escape at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		d, ok := unhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// percentUnescape decodes every %XX in s; a % that starts no such escape
// stays, and "+" is left alone.
func percentUnescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
