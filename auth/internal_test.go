package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/secret"
)

func TestExcerpt(t *testing.T) {
	const (
		// punct has no run of minRun letters and digits: it is looked for
		// whole, raw and escaped.
		punct = `s3cr&t/"x<y>`

		// long is looked for by the pieces of its runs.
		long = "Zx81QmKp/pL0+9wTqRs7"
	)
	g := newGuard(punct, "", "q z", long)
	tests := []struct {
		name, body, want string
		ok               bool
	}{
		{"plain", "  nothing\n\tsecret here  ", "nothing secret here", true},
		{"control, non-printing and bad UTF-8", "a\x00\x01b\xffc\u00add",
			"a b\uFFFDc d", true},
		{"long body", strings.Repeat("ab ", 100),
			strings.TrimSpace(strings.Repeat("ab ", 67)) + "...", true},
		{"five of a run", "Zx81Q and 9wTqR", "Zx81Q and 9wTqR", true},

		{"raw", "got " + punct + " back", "", false},
		{"JSON", `{"client_secret":"s3cr\u0026t/\"x\u003cy\u003e"}`, "",
			false},
		{"JSON without HTML escapes", `{"s":"s3cr&t/\"x<y>"}`, "", false},
		{"JSON with escaped slashes", `{"s":"s3cr&t\/\"x<y>"}`, "", false},
		{"JSON in JSON", `{"detail":"{\"s\":\"s3cr\\u0026t/\\\"x` +
			`\\u003cy\\u003e\"}"}`, "", false},
		{"query", "client_secret=s3cr%26t%2F%22x%3Cy%3E&a=b", "", false},
		{"HTML", "<p>s3cr&amp;t/&quot;x&lt;y&gt;</p>", "", false},
		{"spelt by white space", "x q\n\tz y", "", false},
		{"run", "token Zx81Qm here", "", false},
		{"run cut short", "token Zx81Qm…", "", false},
		{"piece of a run", "x81QmK/", "", false},
		{"later run", "+wTqRs7", "", false},
		{"letters escaped", `"\u005a\u0078\u0038\u0031\u0051\u006d"`, "",
			false},
		{"letters percent escaped", "%5A%78%38%31%51%6D", "", false},
		{"letters as HTML references", "&#90;&#120;81Qm", "", false},
		{"run across the cut", strings.Repeat("x ", excerptLen/2-2) +
			long, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := excerpt([]byte(tt.body), g)
			assert.Equal(t, tt.ok, ok, "excerpt(%q)", tt.body)
			assert.Equal(t, tt.want, got, "excerpt(%q)", tt.body)
		})
	}
}

// runsRE matches the maximal runs of ASCII letters and digits that
// are at least minRun bytes long, without the code under test.
var runsRE = regexp.MustCompile(`[A-Za-z0-9]{6,}`)

// assertNoRun fails unless text is free of every minRun bytes in a row
// of the runs of sec.
func assertNoRun(t *testing.T, text, sec string) {
	t.Helper()
	for _, run := range runsRE.FindAllString(sec, -1) {
		for i := 0; i+6 <= len(run); i++ {
			if strings.Contains(text, run[i:i+6]) {
				t.Fatalf("%q shows %q of the secret %q", text,
					run[i:i+6], sec)
			}
		}
	}
}

// encodings are the ways a server may quote a secret.
var encodings = []func(string) string{
	func(s string) string { return s },
	func(s string) string { return jsonEscape(s, true) },
	func(s string) string { return jsonEscape(s, false) },
	func(s string) string { return jsonEscape(jsonEscape(s, true), true) },
	func(s string) string {
		return strings.ReplaceAll(jsonEscape(s, false), "/", `\/`)
	},
	url.QueryEscape,
	url.PathEscape,
	func(s string) string { return url.QueryEscape(jsonEscape(s, true)) },
	html.EscapeString,
	func(s string) string { return s[:len(s)/2] },
	func(s string) string { return s[len(s)/2:] },
	func(s string) string { return strings.Join(strings.Fields(s), "\n") },
	func(s string) string {
		b, _ := json.Marshal(map[string]string{"detail": "got " + s})
		b, _ = json.Marshal(map[string]string{"detail": string(b)})
		return string(b)
	},
}

func FuzzExcerpt(f *testing.F) {
	f.Add("hunter22", []byte(`{"client_secret":"%s"}`), uint8(0))
	f.Add("hunter22", []byte("<html>%s</html>"), uint8(0))
	f.Add(`s3cr&t/"x<y>`, []byte(`{"detail":"%s"}`), uint8(3))
	f.Add("tab\there\u2028Zx81Qm\xff", []byte("%s"), uint8(12))
	f.Add("b64+/Zm9vYmFy/+cXV4==", []byte("a=%s&b"), uint8(7))
	f.Add("q z", []byte("x q\n\tz y"), uint8(255))
	f.Fuzz(func(t *testing.T, sec string, body []byte, how uint8) {
		if sec == "" {
			return
		}
		// The body is the fuzzer's, with one encoding of the secret in
		// place of the first %s; how beyond the encodings leaves it as
		// it is.
		if int(how) < len(encodings) {
			body = bytes.Replace(body, []byte("%s"),
				[]byte(encodings[how](sec)), 1)
		}
		got, ok := excerpt(body, newGuard(sec))
		if !ok {
			require.Empty(t, got)
			return
		}
		if strings.Contains(got, sec) {
			t.Fatalf("excerpt(%q) = %q shows the secret %q", body, got,
				sec)
		}
		assertNoRun(t, got, sec)

		// As an error shows it; the quotes may complete a short secret,
		// but the escapes must not join a run.
		assertNoRun(t, strconv.Quote(got), sec)
	})
}

func TestGuardCheck(t *testing.T) {
	g := newGuard("Zx81QmpL09")
	timeout := &url.Error{Op: "Post", URL: "http://127.0.0.1:9/x",
		Err: context.DeadlineExceeded}

	assert.Nil(t, g.check("check", nil))
	plain := errors.New("auth: nothing to hide")
	assert.Same(t, plain, g.check("check", plain))

	tests := []struct {
		name string
		op   string
		err  error
		want string
		is   error
	}{
		{"redirect", "check", fmt.Errorf("auth: check: %w", &url.Error{
			Op: "Get", URL: "http://127.0.0.1:9/?t=Zx81QmpL09",
			Err: errors.New("connection refused")}),
			"auth: check: details withheld: it may echo a credential", nil},
		{"token type", "", fmt.Errorf("%w: %q", ErrTokenType, "Zx81Qm"),
			"auth: token type is not bearer: details withheld: it may " +
				"echo a credential", ErrTokenType},
		{"timeout", "token request", fmt.Errorf("%w: Zx81Qm", timeout),
			"auth: token request: context deadline exceeded: details " +
				"withheld: it may echo a credential",
			context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.check(tt.op, tt.err)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.NotErrorIs(t, err, ErrNotJSON)
			var ue *url.Error
			assert.False(t, errors.As(err, &ue), "it must not unwrap")
		})
	}

	var ne net.Error
	err := g.check("token request", fmt.Errorf("%w: Zx81Qm", timeout))
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain", "plain"},
		{`a\"b\\c\/d\n\t\u0026\u00e9`, "a\"b\\c/d\n\t&\u00e9"},
		{`\ud83d\ude00 \ud83d \u12 \q \`, "\U0001F600 \uFFFD \\u12 \\q \\"},
		{"%41%2f%zz%4", "A/%zz%4"},
		{"a+b", "a+b"},
		{"&lt;&#97;&amp;amp;", "<a&amp;"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, unescape(tt.in), "unescape(%q)", tt.in)
	}
}

func TestMediaType(t *testing.T) {
	g := newGuard("QmPl09Zx")
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"text/html; charset=utf-8", "text/html"},
		{`application/problem+json; echo="QmPl09Zx"`,
			"application/problem+json"},
		{"Text/HTML;;", "text/html"},
		{"text/", "unknown"},
		{"attachment", "unknown"},
		{"text/qmpl09zx", "unknown"},
		{"text/" + strings.Repeat("x", maxMediaType), "unknown"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, mediaType(tt.in, g), "mediaType(%q)",
			tt.in)
	}
}

func TestStatusLine(t *testing.T) {
	assert.Equal(t, "502 Bad Gateway", statusLine(502))
	assert.Equal(t, "599", statusLine(599))
}

func TestTokenTypeError(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"mac", `auth: token type is not bearer: "mac"`},
		{"N-A", `auth: token type is not bearer: "N-A"`},
		{"bearer2", "auth: token type is not bearer: (withheld)"},
		{strings.Repeat("x", 21), "auth: token type is not bearer: " +
			"(withheld)"},
		{`a"b`, "auth: token type is not bearer: (withheld)"},
	}
	for _, tt := range tests {
		err := tokenTypeError(tt.in)
		assert.ErrorIs(t, err, ErrTokenType)
		assert.Equal(t, tt.want, err.Error(), "tokenTypeError(%q)", tt.in)
	}
}

func TestMissingToken(t *testing.T) {
	g := newGuard("Zx81Qm_secret")
	tests := []struct {
		name, body, want string
	}{
		{"not an object", `[1]`, "auth: reply has no access_token"},
		{"empty", `{}`, "auth: reply has no access_token"},
		{"lower case", `{"token_type":1,"expires_in":2}`,
			"auth: reply has no access_token (fields: expires_in, " +
				"token_type)"},
		{"spelt otherwise", `{"accessToken":1,"expiresIn":2}`,
			"auth: reply has no access_token, but a field that spells it " +
				"otherwise (fields: 2 not shown)"},
		{"hostile", `{"Zx81Qm":1,"a\"b":2,"` + strings.Repeat("x", 33) +
			`":3,"ok":4,"secret":5}`,
			"auth: reply has no access_token (fields: ok and 4 not shown)"},
		{"many", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}`,
			"auth: reply has no access_token (fields: a, b, c, d, e and " +
				"2 not shown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := missingToken([]byte(tt.body), g)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestNotJSON(t *testing.T) {
	tests := []struct {
		body, want string
		is         error
	}{
		{`{"access_token":`, "auth: reply is not JSON: unexpected end of " +
			"JSON input", ErrNotJSON},
		{`{"access_token":123456789}`, "auth: reply field access_token is " +
			"a JSON number, not a string", nil},
		{`[123456789]`, "auth: reply is a JSON array, not an object", nil},
		{`{"expires_in":"123456789x"}`, "auth: expires_in is a string " +
			"that is not a number of seconds", nil},
	}
	for _, tt := range tests {
		var r tokenReply
		err := notJSON(json.Unmarshal([]byte(tt.body), &r))
		assert.Equal(t, tt.want, err.Error(), tt.body)
		if tt.is != nil {
			assert.ErrorIs(t, err, tt.is)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", -1},
		{"0", 0},
		{" 120 ", 2 * time.Minute},
		{"-5", -1},
		{"1.5", -1},
		{"soon", -1},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Sunday, 01-Jun-25 12:00:30 GMT", 30 * time.Second},
		{"99999999999", -1},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("Sun, 01 Jun 2025 12:00:30 GMT")
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if got := retryAfter(v, now); got < -1 {
			t.Fatalf("retryAfter(%q) = %v", v, got)
		}
	})
}

func TestBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{
		1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second,
		6: 10 * time.Second, 40: 10 * time.Second,
	} {
		for range 50 {
			got := backoff(attempt)
			require.GreaterOrEqual(t, got, want/2, "attempt %d", attempt)
			require.LessOrEqual(t, got, want, "attempt %d", attempt)
		}
	}
}

func TestSeconds(t *testing.T) {
	max := seconds(maxLifetime / time.Second)
	tests := []struct {
		in   string
		want seconds
		err  string
	}{
		{`180`, 180, ""},
		{`"180"`, 180, ""},
		{`179.9`, 179, ""},
		{`-5`, 0, ""},
		{`-1e300`, 0, ""},
		{`null`, 0, ""},
		{`""`, 0, ""},
		{`1e300`, max, ""},
		{`"1e300"`, max, ""},
		{`1e999`, 0, "auth: expires_in is a number out of range"},
		{`"soon"`, 0, "auth: expires_in is a string that is not a number " +
			"of seconds"},
		{`"NaN"`, 0, "auth: expires_in is a string that is not a number " +
			"of seconds"},
		{`"Inf"`, 0, "auth: expires_in is a string that is not a number " +
			"of seconds"},
		{`true`, 0, "auth: expires_in is a boolean, not a number"},
		{`{"Zx81QmpL09":1}`, 0, "auth: expires_in is an object, not a " +
			"number"},
		{`["Zx81QmpL09"]`, 0, "auth: expires_in is an array, not a number"},
	}
	for _, tt := range tests {
		var r tokenReply
		err := json.Unmarshal([]byte(`{"expires_in":`+tt.in+`}`), &r)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, r.ExpiresIn, tt.in)
	}
}

func TestCovers(t *testing.T) {
	b, err := newBinding(&config.CloudClientConfig{
		BearerToken:   secret.New("t"),
		APIRoot:       "https://API.example.invalid/v1/",
		ConfigAPIRoot: "https://cloud.example.invalid:8443/api/v1",
	})
	require.NoError(t, err)
	tests := []struct {
		url  string
		want bool
	}{
		{"https://api.example.invalid/v1/workspaces", true},
		{"https://api.example.invalid:443/v1/workspaces", true},
		{"https://api.example.invalid/elsewhere", true},
		{"http://api.example.invalid/v1/workspaces", false},
		{"https://api.example.invalid:8443/v1/workspaces", false},
		{"https://cloud.example.invalid:8443/api/v1/x", true},
		{"https://cloud.example.invalid/api/v1/x", false},
		{"https://evil.example.invalid/v1/workspaces", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		require.NoError(t, err)
		assert.Equal(t, tt.want, b.covers(u), tt.url)
	}
	assert.False(t, b.covers(nil))
	assert.Equal(t, "https://API.example.invalid/v1/applications/token",
		b.tokenURL)
}

func TestAuthorize(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://h.invalid/", nil)
	require.NoError(t, err)
	req.Header = http.Header{
		"Authorization": {"Basic x"},
		"Accept":        {"a", "b"},
		"X-Nil":         nil,
	}

	r := authorize(req, "Bearer tok")
	assert.Equal(t, http.Header{
		"Authorization": {"Bearer tok"},
		"Accept":        {"a", "b"},
		"X-Nil":         nil,
	}, r.Header)
	assert.Equal(t, []string{"Basic x"}, req.Header["Authorization"])

	// Appending to one value list must not spill into another.
	r.Header["Accept"] = append(r.Header["Accept"], "c")
	assert.Equal(t, []string{"Bearer tok"}, r.Header["Authorization"])
}
