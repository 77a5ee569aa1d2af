package auth

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cloudcfg/cloudcfg/secret"
)

// excerptLen bounds, in bytes, the part of a reply body an error shows.
const excerptLen = 200

// ResponseError reports a reply of the token endpoint or the API that is
// not what was asked for: a status other than 2xx, or a body that cannot
// be read as the expected JSON.
//
// It never holds the request body, and its Excerpt has every occurrence of
// the configured credentials and the access token replaced by
// "[REDACTED]".
type ResponseError struct {
	// Op names the exchange: "token request" or "check".
	Op string

	// URL is the address the request went to.
	URL string

	// StatusCode and Status are the reply's, such as 502 and
	// "502 Bad Gateway".
	StatusCode int
	Status     string

	// ContentType is the reply's Content-Type header.
	ContentType string

	// Excerpt is the start of the reply body, at most about 200 bytes,
	// with secrets removed and white space collapsed.
	Excerpt string

	// Err is the cause when the status was fine but the body was not,
	// such as ErrNotJSON or ErrTokenType; nil otherwise.
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
	if e.Excerpt != "" {
		b.WriteString(": ")
		b.WriteString(strconv.Quote(e.Excerpt))
	}
	return b.String()
}

// Unwrap returns the cause, if any.
func (e *ResponseError) Unwrap() error { return e.Err }

// Temporary reports whether a later attempt may succeed: a 429 or a 5xx.
func (e *ResponseError) Temporary() bool {
	return e.StatusCode == 429 || e.StatusCode >= 500
}

// excerpt returns the start of body fit for an error message: secrets
// replaced by the placeholder, invalid UTF-8 and control characters
// replaced, runs of white space collapsed to one space.
//
// Secrets are replaced in the whole body before it is cut, so that a
// secret straddling the cut cannot leave a piece behind, and again after
// white space is collapsed, which could otherwise spell one out.
func excerpt(body []byte, secrets []string) string {
	forms := secretForms(secrets)
	redact := func(s string) string {
		for _, v := range forms {
			s = strings.ReplaceAll(s, v, secret.Redacted)
		}
		return s
	}
	s := redact(strings.ToValidUTF8(string(body), "\uFFFD"))

	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	s = redact(b.String())

	if len(s) <= excerptLen {
		return s
	}
	n := excerptLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// secretForms returns each secret as it may appear in a reply: as is,
// escaped inside a JSON string (with and without HTML escaping) and
// escaped in a URL. Longer forms come first.
func secretForms(secrets []string) []string {
	var forms []string
	seen := make(map[string]bool)
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			forms = append(forms, v)
		}
	}
	for _, v := range secrets {
		add(v)
		add(jsonEscape(v, true))
		add(jsonEscape(v, false))
		add(url.QueryEscape(v))
		add(url.PathEscape(v))
	}

	// Replace the longest first, so that a form that contains another is
	// not left half replaced.
	slices.SortStableFunc(forms, func(a, b string) int {
		return len(b) - len(a)
	})
	return forms
}

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
