// Package fakeapi is an in-process fake of the Airbyte public API, for
// tests and demos. It implements the token endpoint and listing and
// creating workspaces, under both root shapes (/v1 as on Cloud and
// /api/public/v1 as on self-managed installs), and can be switched to
// misbehave: rate limits, server errors, HTML pages from a proxy, slow and
// malformed replies.
//
// Start serves it on a loopback port only. A Server is also an
// http.Handler, to serve it some other way in a test (TLS, a proxy).
package fakeapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The credentials a new Server accepts. They hold no English word of six
// letters or more: the auth package withholds an error body that shares
// such a run with a credential, and "client" or "secret" would hide the
// fake's own error messages.
const (
	ClientID     = "fake-id-4d1e8b"
	ClientSecret = "fake-key-9f27c5"
	BearerToken  = "fake-tok-3b8e1a"
)

// The two shapes of API root a Server answers under.
const (
	CloudPath       = "/v1"
	SelfManagedPath = "/api/public/v1"
)

// DefaultLifetime is the lifetime of the tokens a new Server issues, as
// on Airbyte Cloud.
const DefaultLifetime = 3 * time.Minute

// Workspace is one workspace as the API lists it.
type Workspace struct {
	WorkspaceID   string `json:"workspaceId"`
	Name          string `json:"name"`
	DataResidency string `json:"dataResidency"`
}

// Page is the reply to GET /workspaces.
type Page struct {
	Data     []Workspace `json:"data"`
	Next     string      `json:"next,omitempty"`
	Previous string      `json:"previous,omitempty"`
}

// Stats counts what a Server has seen.
type Stats struct {
	// TokenRequests counts requests to the token endpoint, Exchanges the
	// ones that were granted a token.
	TokenRequests int64
	Exchanges     int64

	// Requests counts requests to the rest of the API, Unauthorized the
	// ones answered 401, Expired the ones that carried a token that had
	// expired.
	Requests     int64
	Unauthorized int64
	Expired      int64

	// NotFound counts requests for a path the API does not have.
	NotFound int64
}

// TokenRequest records what a request to the token endpoint looked like,
// less the credentials.
type TokenRequest struct {
	Path        string
	ContentType string
	Accept      string
	GrantType   string
}

// Server is the fake API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:41234, once Start
	// has run; "" otherwise.
	URL string

	srv *httptest.Server
	now func() time.Time

	mu         sync.Mutex
	clients    map[string]string    // client ID to secret
	bearers    map[string]bool      // tokens that never expire
	tokens     map[string]time.Time // issued tokens to their expiry
	lifetime   time.Duration
	tokenType  string
	omitExpiry bool
	echo       bool
	tokenFault []*Fault
	apiFault   []*Fault
	workspaces []Workspace
	tokenLog   []TokenRequest

	tokenRequests, exchanges                  atomic.Int64
	requests, unauthorized, expired, notFound atomic.Int64
}

// New returns a Server that is not listening, for use as an
// http.Handler. It accepts ClientID with ClientSecret and BearerToken,
// issues tokens of type "Bearer" that live DefaultLifetime, and holds
// three workspaces.
func New() *Server {
	return &Server{
		now:       time.Now,
		clients:   map[string]string{ClientID: ClientSecret},
		bearers:   map[string]bool{BearerToken: true},
		tokens:    make(map[string]time.Time),
		lifetime:  DefaultLifetime,
		tokenType: "Bearer",
		workspaces: []Workspace{
			{"7f1d0c3a-2b4e-4c8f-9a6d-1e5b3c7d9f01", "Production", "auto"},
			{"2a9e4b6c-8d1f-4e3a-b5c7-0d2f4a6b8c02", "Staging", "us"},
			{"c4b8a2e6-0f3d-4a7b-9e1c-5d8f2b4a6c03", "Sandbox", "eu"},
		},
	}
}

// Start returns a new Server listening on a free loopback port. Close it
// when done.
func Start() *Server {
	s := New()
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// Close stops a Server made by Start, and waits for the requests in
// flight to end.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.CloseClientConnections()
		s.srv.Close()
	}
}

// Root returns the API root in the Cloud shape, URL + "/v1".
func (s *Server) Root() string { return s.URL + CloudPath }

// SelfManagedRoot returns the API root in the self-managed shape,
// URL + "/api/public/v1".
func (s *Server) SelfManagedRoot() string { return s.URL + SelfManagedPath }

// AddClient makes the Server accept another pair of client credentials.
func (s *Server) AddClient(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[id] = secret
}

// RemoveClient makes the Server refuse a client's credentials.
func (s *Server) RemoveClient(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clients, id)
}

// AddBearerToken makes the Server accept a token that never expires.
func (s *Server) AddBearerToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bearers[tok] = true
}

// SetLifetime sets the lifetime of the tokens issued from now on. The
// reply's expires_in is the lifetime in whole seconds.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// SetTokenType sets the token_type of the replies, such as "bearer".
func (s *Server) SetTokenType(t string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenType = t
}

// OmitExpiresIn leaves expires_in out of the token replies when omit is
// true. The tokens still expire after the lifetime.
func (s *Server) OmitExpiresIn(omit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.omitExpiry = omit
}

// EchoRequests makes the token endpoint misbehave as some servers do:
// the reply to refused credentials quotes the request body, secret and
// all. Clients must keep it out of their error messages.
func (s *Server) EchoRequests(echo bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo = echo
}

// RevokeTokens forgets every token issued, so that requests with them
// are answered 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		TokenRequests: s.tokenRequests.Load(),
		Exchanges:     s.exchanges.Load(),
		Requests:      s.requests.Load(),
		Unauthorized:  s.unauthorized.Load(),
		Expired:       s.expired.Load(),
		NotFound:      s.notFound.Load(),
	}
}

// TokenRequests returns a record of every request to the token endpoint.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TokenRequest(nil), s.tokenLog...)
}

// ServeHTTP routes a request. Paths must match exactly: a doubled slash
// is a 404, as on servers that do not clean paths.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rest string
	switch {
	case strings.HasPrefix(r.URL.Path, SelfManagedPath+"/"):
		rest = strings.TrimPrefix(r.URL.Path, SelfManagedPath)
	case strings.HasPrefix(r.URL.Path, CloudPath+"/"):
		rest = strings.TrimPrefix(r.URL.Path, CloudPath)
	}
	prefix := strings.TrimSuffix(r.URL.Path, rest)

	switch rest {
	case "/applications/token":
		s.tokenRequests.Add(1)
		if s.fault(w, r, true) {
			return
		}
		s.token(w, r)
	case "/workspaces":
		s.requests.Add(1)
		if s.fault(w, r, false) || !s.authorized(w, r) {
			return
		}
		s.workspacesHandler(w, r, prefix)
	default:
		s.notFound.Add(1)
		problem(w, http.StatusNotFound, "no such path: "+r.URL.Path)
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		problem(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		problem(w, http.StatusBadRequest, "unreadable body")
		return
	}
	var req struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		GrantType    string `json:"grant-type"`
	}
	decodeErr := json.Unmarshal(body, &req)

	s.mu.Lock()
	s.tokenLog = append(s.tokenLog, TokenRequest{
		Path:        r.URL.Path,
		ContentType: r.Header.Get("Content-Type"),
		Accept:      r.Header.Get("Accept"),
		GrantType:   req.GrantType,
	})
	want, known := s.clients[req.ClientID]
	echo := s.echo
	s.mu.Unlock()

	switch {
	case !isJSON(r.Header.Get("Content-Type")):
		problem(w, http.StatusUnsupportedMediaType,
			"the token endpoint takes application/json")
	case decodeErr != nil:
		problem(w, http.StatusBadRequest, "body is not valid JSON")
	case req.GrantType != "" && req.GrantType != "client_credentials":
		problem(w, http.StatusBadRequest,
			"unsupported grant-type "+strconv.Quote(req.GrantType))
	case !known || req.ClientSecret != want || req.ClientSecret == "":
		msg := "invalid client credentials"
		if echo {
			msg += "; request was " + string(body)
		}
		problem(w, http.StatusUnauthorized, msg)
	default:
		s.issue(w)
	}
}

func (s *Server) issue(w http.ResponseWriter) {
	tok := "fake-at-" + randomHex(16)

	s.mu.Lock()
	life := s.lifetime
	s.tokens[tok] = s.now().Add(life)
	reply := map[string]any{
		"access_token": tok,
		"token_type":   s.tokenType,
	}
	if !s.omitExpiry {
		reply["expires_in"] = int64(life / time.Second)
	}
	s.mu.Unlock()

	s.exchanges.Add(1)
	writeJSON(w, http.StatusOK, reply)
}

// Expired reports whether tok is a token the Server issued whose
// lifetime has ended, for tests that check a client at the moment it
// sends a request rather than when the request arrives.
func (s *Server) Expired(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	expiry, issued := s.tokens[tok]
	return issued && !s.now().Before(expiry)
}

// authorized answers 401 unless r carries a bearer token that the
// Server issued and that has not expired, or a configured bearer token.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")

	s.mu.Lock()
	expiry, issued := s.tokens[tok]
	ok := strings.EqualFold(scheme, "bearer") && (s.bearers[tok] ||
		issued && s.now().Before(expiry))
	s.mu.Unlock()

	if ok {
		return true
	}
	if issued {
		s.expired.Add(1)
	}
	s.unauthorized.Add(1)
	w.Header().Set("WWW-Authenticate", `Bearer realm="airbyte"`)
	problem(w, http.StatusUnauthorized, "invalid or expired access token")
	return false
}

func (s *Server) workspacesHandler(w http.ResponseWriter, r *http.Request,
	prefix string) {
	switch r.Method {
	case http.MethodGet:
		s.listWorkspaces(w, r, prefix)
	case http.MethodPost:
		s.createWorkspace(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		problem(w, http.StatusMethodNotAllowed, "use GET or POST")
	}
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request,
	prefix string) {
	limit, err1 := queryInt(r, "limit", 20)
	offset, err2 := queryInt(r, "offset", 0)
	if err1 != nil || err2 != nil || limit < 1 || limit > 100 ||
		offset < 0 {
		problem(w, http.StatusBadRequest, "bad limit or offset")
		return
	}

	s.mu.Lock()
	all := append([]Workspace(nil), s.workspaces...)
	s.mu.Unlock()

	page := Page{Data: []Workspace{}}
	if offset < len(all) {
		page.Data = all[offset:min(offset+limit, len(all))]
	}
	base := scheme(r) + "://" + r.Host + prefix + "/workspaces"
	if offset+limit < len(all) {
		page.Next = fmt.Sprintf("%s?limit=%d&offset=%d", base, limit,
			offset+limit)
	}
	if offset > 0 {
		page.Previous = fmt.Sprintf("%s?limit=%d&offset=%d", base, limit,
			max(offset-limit, 0))
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r.Header.Get("Content-Type")) {
		problem(w, http.StatusUnsupportedMediaType, "send application/json")
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req)
	if err != nil || req.Name == "" {
		problem(w, http.StatusBadRequest, "body needs a name")
		return
	}

	ws := Workspace{
		WorkspaceID:   newUUID(),
		Name:          req.Name,
		DataResidency: "auto",
	}
	s.mu.Lock()
	s.workspaces = append(s.workspaces, ws)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, ws)
}

func queryInt(r *http.Request, key string, def int) (int, error) {
	v := r.URL.Query().Get(key)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func isJSON(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	return err == nil && t == "application/json"
}

// problem writes an error reply shaped as the API's.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"type":   "about:blank",
		"title":  strings.ToLower(http.StatusText(status)),
		"status": status,
		"detail": detail,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" +
		h[20:]
}

// Loopback reports whether addr, a host or host:port, is a numeric
// loopback address. Names, localhost included, are refused so that
// nothing needs resolving. The fake's command and tests use it to keep
// every connection on loopback.
func Loopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
