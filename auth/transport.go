package auth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/cloudcfg/cloudcfg/config"
)

var _ http.RoundTripper = (*Transport)(nil)

// maxCAFile bounds the size of a ca_file.
const maxCAFile = 4 << 20

// Transport is an http.RoundTripper that adds the Authorization header to
// requests for the API root (and the Config API root, when set) and sends
// them through Base. Requests for other hosts, such as a redirect, go
// through without it.
//
// With client credentials, a 401 reply makes Transport drop the token,
// obtain a new one and send the request once more; a request body is sent
// again through Request.GetBody, and a request whose body cannot be
// replayed is not retried. With a bearer token a 401 is returned as is.
//
// Transport does not modify the request it is given.
type Transport struct {
	// Source gives the tokens. It must be set.
	Source *TokenSource

	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip authenticates req and sends it.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Source == nil {
		closeBody(req)
		return nil, errors.New("auth: Transport has no Source")
	}
	tok, err := t.Source.current(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if !tok.b.covers(req.URL) {
		return t.base().RoundTrip(req)
	}

	resp, err := t.base().RoundTrip(authorize(req, tok.header))
	if err != nil || resp.StatusCode != http.StatusUnauthorized ||
		tok.forever {
		return resp, err
	}
	return t.retry(req, tok, resp)
}

// retry sends req again with a new token after resp, a 401 to the
// request made with tok. When req cannot be replayed, resp is returned,
// and the next request gets a new token.
func (t *Transport) retry(req *http.Request, tok *token,
	resp *http.Response) (*http.Response, error) {
	t.Source.drop(tok)
	body, ok := replayBody(req)
	if !ok {
		return resp, nil
	}
	discard(resp)

	next, err := t.Source.current(req.Context())
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}

	r := authorize(req, next.header)
	r.Body = body
	if !next.b.covers(req.URL) {
		// The API root moved meanwhile; this host gets no token.
		r.Header.Del("Authorization")
	}
	return t.base().RoundTrip(r)
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// authorize returns a copy of req with the Authorization header set to
// v. The copy shares req's URL and body, which nothing here modifies, and
// has a header map of its own, so req is left as it was.
func authorize(req *http.Request, v string) *http.Request {
	r := new(http.Request)
	*r = *req

	// One backing array for every value and the new header, as
	// http.Header.Clone does, saves an allocation per request.
	n := 1
	for k, vv := range req.Header {
		if k != "Authorization" {
			n += len(vv)
		}
	}
	vals := make([]string, n)
	h := make(http.Header, len(req.Header)+1)
	for k, vv := range req.Header {
		if k == "Authorization" {
			continue
		}
		if vv == nil {
			h[k] = nil
			continue
		}
		n := copy(vals, vv)
		h[k] = vals[:n:n]
		vals = vals[n:]
	}
	vals[0] = v
	h["Authorization"] = vals[:1:1]
	r.Header = h
	return r
}

// replayBody returns a fresh copy of req's body for a second attempt,
// and whether there can be one.
func replayBody(req *http.Request) (io.ReadCloser, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	return b, true
}

// discard reads a little of resp's body, so that the connection can be
// used again, and closes it.
func discard(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}

// closeBody closes req's body, as a RoundTripper must even when it fails.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// NewClient returns an *http.Client that authenticates its requests with
// the method cfg holds. Its base transport is a clone of
// http.DefaultTransport, so it honours HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY, with the certificates of cfg.CAFile added to the system roots;
// its time limit per request is cfg.Timeout (30s when zero).
//
// The client's Transport is a *Transport whose Source is the
// *TokenSource; NewTokenSource describes the options.
func NewClient(cfg *config.CloudClientConfig, opts ...Option) (*http.Client,
	error) {
	s, err := NewTokenSource(cfg, opts...)
	if err != nil {
		return nil, err
	}
	return s.Client(), nil
}

// baseTransport returns rt, or a clone of http.DefaultTransport when rt is
// nil, with the roots of cfg.CAFile added when it is set.
func baseTransport(cfg *config.CloudClientConfig, rt http.RoundTripper) (
	http.RoundTripper, error) {
	if rt == nil {
		rt = defaultTransport()
	}
	if cfg.CAFile == "" {
		return rt, nil
	}

	ht, ok := rt.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("auth: ca_file %q needs an *http.Transport, "+
			"not %T", cfg.CAFile, rt)
	}
	pool, err := loadCA(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	ht = ht.Clone()
	if ht.TLSClientConfig == nil {
		ht.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	ht.TLSClientConfig.RootCAs = pool
	return ht, nil
}

func defaultTransport() *http.Transport {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		ForceAttemptHTTP2: true,
	}
}

// loadCA returns the system roots with the certificates of the PEM file
// at path added.
func loadCA(path string) (*x509.CertPool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &CAFileError{Path: path, Err: err}
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	if err != nil {
		return nil, &CAFileError{Path: path, Err: err}
	}
	if len(pem) > maxCAFile {
		return nil, &CAFileError{Path: path,
			Err: fmt.Errorf("larger than %d bytes", maxCAFile)}
	}

	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &CAFileError{Path: path,
			Err: errors.New("holds no PEM certificate")}
	}
	return pool, nil
}

// CAFileError is returned when the ca_file of a configuration cannot be
// used: it cannot be read, is too large, or holds no PEM certificate.
type CAFileError struct {
	Path string
	Err  error
}

// Error names the file and what is wrong with it.
func (e *CAFileError) Error() string {
	return fmt.Sprintf("auth: ca_file %q: %v", e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *CAFileError) Unwrap() error { return e.Err }
