package fakeapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Fault is a way for the Server to misbehave. A fault with a Status
// answers in place of the API; one with only a Delay slows the reply and
// lets the API answer.
type Fault struct {
	// Status is the reply's status; 0 leaves the reply to the API.
	Status int

	// ContentType and Body are the reply's.
	ContentType string
	Body        string

	// RetryAfter is the Retry-After header, when not empty.
	RetryAfter string

	// Delay is how long to wait before replying, or until the client
	// gives up.
	Delay time.Duration

	// Times is how many requests the fault hits; 0 means every request
	// until ClearFaults.
	Times int
}

// TooManyRequests is a 429 with the given Retry-After header, which may
// be empty, hitting one request.
func TooManyRequests(retryAfter string) Fault {
	return Fault{
		Status:      http.StatusTooManyRequests,
		ContentType: "application/problem+json",
		Body:        `{"status":429,"title":"too many requests"}`,
		RetryAfter:  retryAfter,
		Times:       1,
	}
}

// ServerError is a 500 with a JSON body, hitting one request.
func ServerError() Fault {
	return Fault{
		Status:      http.StatusInternalServerError,
		ContentType: "application/problem+json",
		Body:        `{"status":500,"title":"internal server error"}`,
		Times:       1,
	}
}

// BadGatewayHTML is a 502 with an HTML page, as a proxy in front of the
// API sends, hitting one request.
func BadGatewayHTML() Fault {
	return Fault{
		Status:      http.StatusBadGateway,
		ContentType: "text/html; charset=utf-8",
		Body: "<html>\n<head><title>502 Bad Gateway</title></head>\n" +
			"<body>\n<center><h1>502 Bad Gateway</h1></center>\n" +
			"<hr><center>nginx</center>\n</body>\n</html>\n",
		Times: 1,
	}
}

// LoginPageHTML is a 200 with an HTML page, as a captive portal or a
// single sign-on proxy sends, hitting one request.
func LoginPageHTML() Fault {
	return Fault{
		Status:      http.StatusOK,
		ContentType: "text/html",
		Body:        "<!DOCTYPE html><html><body>Please sign in</body></html>",
		Times:       1,
	}
}

// MalformedJSON is a 200 whose JSON body is cut short, hitting one
// request.
func MalformedJSON() Fault {
	return Fault{
		Status:      http.StatusOK,
		ContentType: "application/json",
		Body:        `{"access_token": "fake-at-truncated", "token_ty`,
		Times:       1,
	}
}

// Slow delays the reply by d, hitting one request.
func Slow(d time.Duration) Fault {
	return Fault{Delay: d, Times: 1}
}

// FailToken queues faults for the token endpoint, used in order.
func (s *Server) FailToken(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.tokenFault = append(s.tokenFault, &f)
	}
}

// FailAPI queues faults for the rest of the API, used in order.
func (s *Server) FailAPI(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.apiFault = append(s.apiFault, &f)
	}
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenFault, s.apiFault = nil, nil
}

// fault applies the next queued fault, if any, and reports whether it
// wrote the reply.
func (s *Server) fault(w http.ResponseWriter, r *http.Request,
	token bool) bool {
	f, ok := s.nextFault(token)
	if !ok {
		return false
	}

	if f.Delay > 0 {
		// The server notices a client that hangs up only once the body
		// is read, so read it first and keep it for the handler.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		r.Body = io.NopCloser(bytes.NewReader(body))

		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}
	if f.Status == 0 {
		return false
	}

	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.ContentType != "" {
		w.Header().Set("Content-Type", f.ContentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
	w.WriteHeader(f.Status)
	w.Write([]byte(f.Body))
	return true
}

func (s *Server) nextFault(token bool) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := &s.apiFault
	if token {
		q = &s.tokenFault
	}
	if len(*q) == 0 {
		return Fault{}, false
	}
	f := (*q)[0]
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			*q = (*q)[1:]
		}
	}
	return *f, true
}
