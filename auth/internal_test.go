package auth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/secret"
)

func TestExcerpt(t *testing.T) {
	const sec = `s3cr&t/"x<y>`
	tests := []struct {
		name, body, want string
	}{
		{"plain", "  nothing\n\tsecret here  ", "nothing secret here"},
		{"raw", "got " + sec + " back", "got [REDACTED] back"},
		{"JSON", `{"client_secret":"s3cr\u0026t/\"x\u003cy\u003e"}`,
			`{"client_secret":"[REDACTED]"}`},
		{"JSON without HTML escapes", `{"s":"s3cr&t/\"x<y>"}`,
			`{"s":"[REDACTED]"}`},
		{"query", "client_secret=s3cr%26t%2F%22x%3Cy%3E&a=b",
			"client_secret=[REDACTED]&a=b"},
		{"control and bad UTF-8", "a\x00\x01b\xffc", "a b\uFFFDc"},
		{"long", strings.Repeat("ab ", 100),
			strings.TrimSpace(strings.Repeat("ab ", 67)) + "..."},
		{"secret spelt by white space", "x q\n\tz y", "x [REDACTED] y"},
		{"secret across the cut", strings.Repeat("x", excerptLen-3) + sec,
			strings.Repeat("x", excerptLen-3) + "[RE..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := excerpt([]byte(tt.body), []string{sec, "", "q z"})
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzExcerpt(f *testing.F) {
	f.Add([]byte(`{"client_secret":"hunter22"}`), "hunter22")
	f.Add([]byte("<html>hunter22</html>"), "hunter22")
	f.Fuzz(func(t *testing.T, body []byte, sec string) {
		if len(sec) < 4 {
			return
		}
		got := excerpt(body, []string{sec})
		if strings.Contains(got, sec) && !strings.Contains(secret.Redacted,
			sec) {
			t.Fatalf("excerpt(%q) = %q shows the secret", body, got)
		}
	})
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
	tests := []struct {
		in   string
		want seconds
		err  bool
	}{
		{`180`, 180, false},
		{`"180"`, 180, false},
		{`179.9`, 179, false},
		{`null`, 0, false},
		{`1e300`, seconds(maxLifetime / time.Second), false},
		{`"soon"`, 0, true},
		{`true`, 0, true},
	}
	for _, tt := range tests {
		var r tokenReply
		err := json.Unmarshal([]byte(`{"expires_in":`+tt.in+`}`), &r)
		if tt.err {
			assert.Error(t, err, tt.in)
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
