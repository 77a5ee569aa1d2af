package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudcfg/cloudcfg/config"
)

// Report is what Check found.
type Report struct {
	// Method is MethodClientCredentials or MethodBearerToken.
	Method string

	// APIRoot is the API root checked, without trailing slash.
	APIRoot string

	// Status is the status code of the API's reply with its standard
	// text, such as "200 OK"; the reply's own reason phrase is not kept.
	Status string

	// TokenLatency is how long the token exchange took; zero for a
	// bearer token.
	TokenLatency time.Duration

	// Latency is how long the API request took, the token aside.
	Latency time.Duration

	// TokenExpiry is when the access token expires; zero when not known,
	// as for a bearer token.
	TokenExpiry time.Time
}

// Check authenticates with cfg and lists one workspace, GET
// {api_root}/workspaces?limit=1, to prove that the API accepts the
// credentials. A reply other than 2xx, or one that is not JSON, is a
// *ResponseError. On an error the report holds what was learnt before it,
// or is nil when cfg is unusable.
func Check(ctx context.Context, cfg *config.CloudClientConfig,
	opts ...Option) (*Report, error) {
	s, err := NewTokenSource(cfg, opts...)
	if err != nil {
		return nil, err
	}
	b, err := s.bind(s.src())
	if err != nil {
		return nil, err
	}
	r := &Report{Method: b.method(), APIRoot: b.apiRoot}

	// token
	start := time.Now()
	tok, err := s.current(ctx)
	if err != nil {
		return r, err
	}
	if !tok.forever {
		r.TokenLatency = time.Since(start)
		r.TokenExpiry = tok.value.Expiry
	}

	// API
	u := b.apiRoot + "/workspaces?limit=1"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return r, fmt.Errorf("auth: check: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	start = time.Now()
	resp, err := s.Client().Do(req)

	// The token may have been renewed on a 401 meanwhile; guard both.
	hide := b.secrets(tok.value.AccessToken)
	if t := s.cur.Load(); t != nil {
		hide = append(hide, t.value.AccessToken)
	}
	g := newGuard(hide...)

	// A redirect puts its Location, which the server chooses, in err.
	if err != nil {
		err = fmt.Errorf("auth: check: %w", err)
		return r, g.check("check to "+u, err)
	}
	defer resp.Body.Close()
	data, rerr := readReply(resp.Body)
	r.Latency = time.Since(start)
	r.Status = statusLine(resp.StatusCode)

	var cause error
	switch {
	case !b.covers(resp.Request.URL):
		// The transport does not send the token to another host, so a
		// reply from there proves nothing about the credentials.
		return r, ErrRedirected
	case resp.StatusCode < 200 || resp.StatusCode > 299:
	case rerr != nil:
		cause = rerr
	case !json.Valid(data):
		cause = ErrNotJSON
	default:
		return r, nil
	}
	e := newResponseError("check", u, resp, g, cause)
	e.showBody(data, g)
	return r, e
}
