package auth_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/secret"
)

// hostile are credentials that every escaping changes. Each has runs of
// six letters and digits or more, which an error must not show, beside
// the characters that JSON, HTML and URLs escape. Control characters,
// line separators and invalid UTF-8 are left out: the config rules
// (secret_text) refuse such a secret before any request is made.
var hostile = []struct {
	name, value string
	header      bool // whether it can be sent in a header
}{
	{"quote, backslash, markup", `Quote7"Back5lash\Angle3<Brack8>Amp4nd&T`,
		true},
	{"non-ASCII letters", "Umlaut7ä8Wörter9Zq€Euro5x", true},
	{"base64", "dGVzdC1zZWNyZXQ+/Zm9vYmFy/w+Kx7Lm==", true},
	{"short pieces", `ab"cd\ef<gh>&ij/kl+mn`, true},
}

// canaryID is a client ID that passes for a token type: letters and
// dashes.
const canaryID = "canary-IDqzWxKvLm"

// pieceRE matches the runs of letters and digits that an error must
// not show, found without the code under test.
var pieceRE = regexp.MustCompile(`[A-Za-z0-9]{6,}`)

// assertHidden fails when text shows one of secrets whole, or six
// letters and digits in a row of one.
func assertHidden(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		assert.NotContains(t, text, s)
		for _, run := range pieceRE.FindAllString(s, -1) {
			for i := 0; i+6 <= len(run); i++ {
				assert.NotContains(t, text, run[i:i+6],
					"a piece of %q", s)
			}
		}
	}
}

// rawReply is a reply written byte for byte, so that it can do what a
// net/http server would not: choose its reason phrase, send any header.
type rawReply struct {
	status string // after "HTTP/1.1 ", such as "401 Unauthorized"
	header string // header lines, each ending in "\r\n"
	body   string
}

// startRaw starts a loopback server that answers every request with
// reply(echo): echo is the request body, or for a request without one
// its Authorization header.
func startRaw(t *testing.T, reply func(echo string) rawReply) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
			echo := string(body)
			if echo == "" {
				echo = r.Header.Get("Authorization")
			}
			rr := reply(echo)

			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\n"+
				"Connection: close\r\n\r\n%s", rr.status, rr.header,
				len(rr.body), rr.body)
			buf.Flush()
		}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// field returns a field of the JSON token request echo.
func field(echo, key string) string {
	var m map[string]string
	json.Unmarshal([]byte(echo), &m)
	return m[key]
}

// marshal returns v as JSON, with or without the HTML escapes.
func marshal(v any, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}

// paramEcho returns a Content-Type with echo in a quoted parameter.
func paramEcho(echo string) string {
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(echo)
	return `Content-Type: application/problem+json; echo="` + q + "\"\r\n"
}

const jsonType = "Content-Type: application/json\r\n"

// echoCase is a way for a server to quote a request back, and what the
// error must still say.
type echoCase struct {
	name  string
	reply func(echo string) rawReply

	// status is the ResponseError's; 0 when the error is not one.
	status   int
	is       error
	ctype    string
	excerpt  string // the whole excerpt, when one is shown
	withheld string
	msg      string // in err.Error()
}

// The cases for the token endpoint, which is sent the credentials in a
// JSON body.
var tokenEchoes = []echoCase{
	{
		name: "ordinary body, echo in status phrase and parameters",
		reply: func(echo string) rawReply {
			return rawReply{"400 " + echo, paramEcho(echo),
				`{"title":"bad request","detail":"grant-type is missing"}`}
		},
		status: 400, ctype: "application/problem+json",
		excerpt: `{"title":"bad request","detail":"grant-type is missing"}`,
		msg:     "400 Bad Request (application/problem+json): ",
	},
	{
		name: "echo as the media type",
		reply: func(echo string) rawReply {
			return rawReply{"401 Unauthorized",
				"Content-Type: text/" + echo + "\r\n", `{"title":"no"}`}
		},
		status: 401, ctype: "unknown", excerpt: `{"title":"no"}`,
		msg: "401 Unauthorized (unknown): ",
	},
	{
		name: "JSON body",
		reply: func(echo string) rawReply {
			return rawReply{"401 Unauthorized", jsonType,
				`{"error":"invalid_client","request":` + echo + `}`}
		},
		status: 401, ctype: "application/json",
		withheld: "it may echo a credential",
		msg:      "(body withheld: it may echo a credential)",
	},
	{
		name: "JSON in a JSON string",
		reply: func(echo string) rawReply {
			return rawReply{"401 Unauthorized", jsonType, marshal(
				map[string]string{"detail": "request was " + echo}, true)}
		},
		status: 401, ctype: "application/json",
		withheld: "it may echo a credential",
	},
	{
		name: "escaped slashes",
		reply: func(echo string) rawReply {
			return rawReply{"401 Unauthorized", jsonType,
				`{"request":` + strings.ReplaceAll(echo, "/", `\/`) + `}`}
		},
		status: 401, ctype: "application/json",
		withheld: "it may echo a credential",
	},
	{
		name: "raw text",
		reply: func(echo string) rawReply {
			return rawReply{"400 Bad Request",
				"Content-Type: text/plain\r\n",
				"no client with secret " + field(echo, "client_secret")}
		},
		status: 400, ctype: "text/plain",
		withheld: "it may echo a credential",
	},
	{
		name: "HTML page",
		reply: func(echo string) rawReply {
			return rawReply{"502 Bad Gateway", "Content-Type: text/html\r\n",
				"<p>" + html.EscapeString(echo) + "</p>"}
		},
		status: 502, ctype: "text/html",
		withheld: "it may echo a credential",
	},
	{
		name: "malformed status code",
		reply: func(echo string) rawReply {
			return rawReply{echo + " Oops", jsonType, "{}"}
		},
		msg: "/v1/applications/token: details withheld: it may echo a " +
			"credential",
	},
	{
		name: "malformed header",
		reply: func(echo string) rawReply {
			return rawReply{"401 Unauthorized",
				"X-Echo: " + echo + "\x01\r\n", "{}"}
		},
		msg: "/v1/applications/token: details withheld: it may echo a " +
			"credential",
	},
	{
		name: "token type",
		reply: func(echo string) rawReply {
			return rawReply{"200 OK", jsonType, marshal(map[string]string{
				"access_token": "fresh-at",
				"token_type":   field(echo, "client_secret"),
			}, false)}
		},
		status: 200, is: auth.ErrTokenType, ctype: "application/json",
		withheld: "a 2xx reply may hold a token",
		msg:      "200 OK: token type is not bearer: (withheld)",
	},
	{
		name: "token type that looks like a word",
		reply: func(echo string) rawReply {
			return rawReply{"200 OK", jsonType, marshal(map[string]string{
				"access_token": "fresh-at",
				"token_type":   field(echo, "client_id"),
			}, false)}
		},
		status: 200, is: auth.ErrTokenType, ctype: "application/json",
		withheld: "a 2xx reply may hold a token",
		msg: "200 OK: token type is not bearer: details withheld: it " +
			"may echo a credential",
	},
	{
		name: "expires_in string",
		reply: func(echo string) rawReply {
			return rawReply{"200 OK", jsonType, marshal(map[string]string{
				"access_token": "fresh-at",
				"expires_in":   field(echo, "client_secret"),
			}, false)}
		},
		status: 200, ctype: "application/json",
		withheld: "a 2xx reply may hold a token",
		msg: "200 OK: expires_in is a string that is not a number of " +
			"seconds",
	},
	{
		name: "expires_in object",
		reply: func(echo string) rawReply {
			return rawReply{"200 OK", jsonType, marshal(map[string]any{
				"access_token": "fresh-at",
				"expires_in":   map[string]int{echo: 1},
			}, false)}
		},
		status: 200, ctype: "application/json",
		withheld: "a 2xx reply may hold a token",
		msg:      "200 OK: expires_in is an object, not a number",
	},
	{
		name: "field names",
		reply: func(echo string) rawReply {
			sec := field(echo, "client_secret")
			return rawReply{"200 OK", jsonType, marshal(map[string]any{
				sec:                     1,
				pieceRE.FindString(sec): 2,
				"token_type":            "bearer",
			}, false)}
		},
		status: 200, ctype: "application/json",
		withheld: "a 2xx reply may hold a token",
		msg: "200 OK: reply has no access_token (fields: token_type " +
			"and 2 not shown)",
	},
	{
		name: "web page with the secret",
		reply: func(echo string) rawReply {
			return rawReply{"200 OK", "Content-Type: text/html\r\n",
				"<p>Welcome, " + field(echo, "client_id") + "</p>"}
		},
		status: 200, is: auth.ErrNotJSON, ctype: "text/html",
		withheld: "it may echo a credential",
	},
}

func TestTokenErrorsHideCredentials(t *testing.T) {
	for _, tt := range tokenEchoes {
		for _, sec := range hostile {
			t.Run(tt.name+"/"+sec.name, func(t *testing.T) {
				u := startRaw(t, tt.reply)
				cfg := clientConfig(u + "/v1")
				cfg.ClientID = secret.New(canaryID)
				cfg.ClientSecret = secret.New(sec.value)
				ts, err := auth.NewTokenSource(cfg, auth.WithMaxAttempts(1))
				require.NoError(t, err)

				_, err = ts.TokenContext(t.Context())
				require.Error(t, err)
				assertEcho(t, tt, err)
				assertHidden(t, err.Error(), sec.value, canaryID)
				assertHidden(t, fmt.Sprintf("%+v", err), sec.value,
					canaryID)
			})
		}
	}
}

// assertEcho checks err against what tt expects.
func assertEcho(t *testing.T, tt echoCase, err error) {
	t.Helper()
	if tt.is != nil {
		assert.ErrorIs(t, err, tt.is)
	}
	assert.Contains(t, err.Error(), tt.msg)

	var re *auth.ResponseError
	if tt.status == 0 {
		assert.False(t, errors.As(err, &re), "%v", err)
		return
	}
	require.ErrorAs(t, err, &re)
	assert.Equal(t, tt.status, re.StatusCode)
	assert.Equal(t, fmt.Sprint(tt.status, " ", http.StatusText(tt.status)),
		re.Status)
	assert.Equal(t, tt.ctype, re.ContentType)
	assert.Equal(t, tt.excerpt, re.Excerpt)
	assert.Equal(t, tt.withheld, re.Withheld)
}

func TestTokenReplyNotShown(t *testing.T) {
	// A 2xx reply may hold a token that no guard knows beforehand.
	const fresh = "Fresh-TokenQx"
	tests := []struct {
		name  string
		reply rawReply
		is    error
		msg   string
	}{
		{"form", rawReply{"200 OK", "Content-Type: text/plain\r\n",
			"access_token=" + fresh + "&token_type=bearer"},
			auth.ErrNotJSON, "(text/plain): (body withheld: a 2xx reply " +
				"may hold a token)"},
		{"token type repeats the token", rawReply{"200 OK", jsonType,
			`{"access_token":"` + fresh + `","token_type":"` + fresh +
				`"}`}, auth.ErrTokenType, "token type is not bearer: " +
			"details withheld: it may echo a credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := startRaw(t, func(string) rawReply { return tt.reply })
			ts, err := auth.NewTokenSource(clientConfig(u + "/v1"))
			require.NoError(t, err)

			_, err = ts.TokenContext(t.Context())
			require.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
			assertHidden(t, err.Error(), fresh)
		})
	}
}

func TestFakeEchoHidesCredentials(t *testing.T) {
	for _, sec := range hostile {
		t.Run(sec.name, func(t *testing.T) {
			f := startFake(t)
			f.AddClient(canaryID, "the-right-secret")
			f.EchoRequests(true)
			cfg := clientConfig(f.Root())
			cfg.ClientID = secret.New(canaryID)
			cfg.ClientSecret = secret.New(sec.value)
			ts, err := auth.NewTokenSource(cfg)
			require.NoError(t, err)

			_, err = ts.TokenContext(t.Context())
			var re *auth.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusUnauthorized, re.StatusCode)
			assert.Equal(t, "it may echo a credential", re.Withheld)
			assertHidden(t, err.Error(), sec.value, canaryID)
			assertHidden(t, fmt.Sprintf("%#v", *re), sec.value, canaryID)
		})
	}
}

// closedURL returns the URL of a loopback port that nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return u
}

func TestCheckErrorsHideToken(t *testing.T) {
	closed := closedURL(t)
	tests := []echoCase{
		{
			name: "ordinary body, echo in status phrase and parameters",
			reply: func(echo string) rawReply {
				return rawReply{"403 " + echo, paramEcho(echo),
					`{"title":"forbidden"}`}
			},
			status: 403, ctype: "application/problem+json",
			excerpt: `{"title":"forbidden"}`,
			msg:     `403 Forbidden (application/problem+json): "{`,
		},
		{
			name: "JSON body",
			reply: func(echo string) rawReply {
				return rawReply{"403 Forbidden", jsonType, marshal(
					map[string]string{"detail": echo + " may not"}, true)}
			},
			status: 403, ctype: "application/json",
			withheld: "it may echo a credential",
		},
		{
			name: "JSON in a JSON string",
			reply: func(echo string) rawReply {
				inner := marshal(map[string]string{"auth": echo}, true)
				return rawReply{"403 Forbidden", jsonType, marshal(
					map[string]string{"detail": inner}, true)}
			},
			status: 403, ctype: "application/json",
			withheld: "it may echo a credential",
		},
		{
			name: "escaped slashes",
			reply: func(echo string) rawReply {
				b := marshal(map[string]string{"auth": echo}, false)
				return rawReply{"403 Forbidden", jsonType,
					strings.ReplaceAll(b, "/", `\/`)}
			},
			status: 403, ctype: "application/json",
			withheld: "it may echo a credential",
		},
		{
			name: "page with the token",
			reply: func(echo string) rawReply {
				return rawReply{"200 OK", "Content-Type: text/html\r\n",
					"<p>" + echo + "</p>"}
			},
			status: 200, is: auth.ErrNotJSON, ctype: "text/html",
			withheld: "it may echo a credential",
		},
		{
			name: "redirect",
			reply: func(echo string) rawReply {
				return rawReply{"302 Found", "Location: " + closed + "/" +
					url.PathEscape(echo) + "\r\n", ""}
			},
			msg: "/v1/workspaces?limit=1: details withheld: it may echo " +
				"a credential",
		},
		{
			name: "malformed status code",
			reply: func(echo string) rawReply {
				return rawReply{"4" + strings.ReplaceAll(echo, " ", "-"),
					jsonType, "{}"}
			},
			msg: "/v1/workspaces?limit=1: details withheld: it may echo " +
				"a credential",
		},
	}
	for _, tt := range tests {
		for _, sec := range hostile {
			if !sec.header {
				continue
			}
			t.Run(tt.name+"/"+sec.name, func(t *testing.T) {
				u := startRaw(t, tt.reply)
				r, err := auth.Check(t.Context(),
					bearerConfig(u+"/v1", sec.value))
				require.Error(t, err)
				assertEcho(t, tt, err)
				assertHidden(t, err.Error(), sec.value)
				require.NotNil(t, r)
				assertHidden(t, r.Status, sec.value)
			})
		}
	}
}
