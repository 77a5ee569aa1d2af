package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// excerptLen bounds, in bytes, the part of a reply body an error
	// shows.
	excerptLen = 200

	// maxMediaType bounds the media type an error shows.
	maxMediaType = 64
)

// ResponseError reports a reply of the token endpoint or the API that is
// not what was asked for: a status other than 2xx, or a body that cannot
// be read as the expected JSON.
//
// It holds only what the client can vouch for or has checked: never the
// request body, never the reason phrase or the Content-Type parameters
// the server chose, and an excerpt of the body only when it shows none of
// the configured credentials or the access token, whole, in part or
// escaped (see Withheld).
type ResponseError struct {
	// Op names the exchange: "token request" or "check".
	Op string

	// URL is the address the request went to.
	URL string

	// StatusCode is the reply's status code, and Status the code with
	// its standard text, such as "502 Bad Gateway". The reason phrase
	// of the reply is not kept: the server chooses it.
	StatusCode int
	Status     string

	// ContentType is the media type of the reply's Content-Type header,
	// without parameters, such as "text/html"; "unknown" when it cannot
	// be parsed or shown, and "" when there is none.
	ContentType string

	// Excerpt is the start of the reply body, at most about 200 bytes,
	// with white space collapsed and characters that do not print
	// replaced; "" when the body is empty or withheld.
	Excerpt string

	// Withheld says why the body is not shown, when it is not: "it may
	// echo a credential" when it holds one, escaped or not, or any six
	// letters and digits in a row of one; "a 2xx reply may hold a token"
	// for a token reply that is not a web page.
	Withheld string

	// Err is the cause when the status was fine but the body was not,
	// such as ErrNotJSON or ErrTokenType; nil otherwise. Its text is
	// checked as the body is, and replaced when it may echo a
	// credential.
	Err error
}

// Error returns a message with the operation, URL, status, cause and
// excerpt.
func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("auth: ")
	b.WriteString(e.Op)
	b.WriteString(" to ")
	b.WriteString(e.URL)
	b.WriteString(": ")
	b.WriteString(e.Status)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "auth: "))
	}
	if e.ContentType != "" {
		b.WriteString(" (")
		b.WriteString(e.ContentType)
		b.WriteString(")")
	}
	switch {
	case e.Excerpt != "":
		b.WriteString(": ")
		b.WriteString(strconv.Quote(e.Excerpt))
	case e.Withheld != "":
		b.WriteString(": (body withheld: ")
		b.WriteString(e.Withheld)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the cause, if any.
func (e *ResponseError) Unwrap() error { return e.Err }

// Temporary reports whether a later attempt may succeed: a 429 or a 5xx.
func (e *ResponseError) Temporary() bool {
	return e.StatusCode == 429 || e.StatusCode >= 500
}

// newResponseError describes resp, the reply to a request to u, by what
// the server cannot use to smuggle text into the message: its status
// code and media type. cause, if any, passes through g.
func newResponseError(op, u string, resp *http.Response, g *guard,
	cause error) *ResponseError {
	return &ResponseError{
		Op:          op,
		URL:         u,
		StatusCode:  resp.StatusCode,
		Status:      statusLine(resp.StatusCode),
		ContentType: mediaType(resp.Header.Get("Content-Type"), g),
		Err:         g.check("", cause),
	}
}

// showBody sets the excerpt of body, or says why it is withheld.
func (e *ResponseError) showBody(body []byte, g *guard) {
	s, ok := excerpt(body, g)
	if !ok {
		e.Withheld = echoNote
		return
	}
	e.Excerpt = s
}

// statusLine returns code with its standard text, such as "502 Bad
// Gateway", or the code alone when it has none.
func statusLine(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// mediaType returns the media type of a Content-Type value v, without
// its parameters: "" when v is empty, "unknown" when v cannot be parsed,
// is too long to be a media type or may echo a secret g guards.
func mediaType(v string, g *guard) string {
	if v == "" {
		return ""
	}
	t, _, err := mime.ParseMediaType(v)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return "unknown"
	}

	// ParseMediaType lowers the type, so the secrets are lowered too.
	if !strings.Contains(t, "/") || len(t) > maxMediaType ||
		g.folded().leaks(t) {
		return "unknown"
	}
	return t
}

// excerpt returns the start of body fit for an error message, and
// whether it may be shown at all: not when g finds a secret in the body
// or in what is made of it. Invalid UTF-8 and characters that do not
// print are replaced, and runs of white space collapsed to one space.
//
// The whole body is checked before it is cut, so that a secret across
// the cut is found, and again after white space is collapsed, which
// could otherwise spell one out.
func excerpt(body []byte, g *guard) (string, bool) {
	if g.leaks(string(body)) {
		return "", false
	}
	s := printable(body)
	if g.leaks(s) {
		return "", false
	}
	s = cut(s, excerptLen)
	if g.leaks(s) {
		return "", false
	}
	return s, true
}

// printable returns body as valid UTF-8 with runs of white space and
// of characters that do not print as one space, and none at either end.
// strconv.Quote shows the result unchanged but for `"` and `\`, so its
// escapes cannot join letters and digits into a new run.
func printable(body []byte) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(string(body), "\uFFFD") {
		if unicode.IsSpace(r) || !strconv.IsPrint(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// cut returns s if it is at most n bytes long, or its first n bytes, less
// a rune split by the cut, and "...".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// jsonEscape returns v as it is written inside a JSON string, with or
// without the HTML escapes.
func jsonEscape(v string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	q := bytes.TrimSpace(b.Bytes())
	return string(q[1 : len(q)-1])
}
