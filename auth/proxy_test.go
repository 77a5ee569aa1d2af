package auth_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/auth"
	"github.com/cloudcfg/cloudcfg/internal/fakeapi"
)

// proxyHost is a name that resolves nowhere; only the proxy knows it.
const proxyHost = "example.invalid"

// The child process of TestProxyFromEnvironment reads these.
const (
	envChild  = "CLOUDCFG_TEST_PROXY_CHILD"
	envCAFile = "CLOUDCFG_TEST_PROXY_CA"
)

// TestProxyFromEnvironment checks that the client goes through the proxy
// that HTTPS_PROXY and HTTP_PROXY name. net/http reads those once per
// process, so the client runs in a child process with them set. The proxy
// is a loopback server that forwards nothing: it serves the fake API for
// proxyHost itself, over TLS with a certificate the child trusts through
// ca_file.
func TestProxyFromEnvironment(t *testing.T) {
	if os.Getenv(envChild) != "" {
		proxyChild(t)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}

	dir := t.TempDir()
	cert, caFile := proxyCert(t, dir)
	p := &proxy{fake: fakeapi.New(), cert: cert}
	srv := httptest.NewServer(p)
	defer srv.Close()

	cmd := exec.CommandContext(t.Context(), os.Args[0],
		"-test.run=^TestProxyFromEnvironment$", "-test.count=1")
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.Contains(strings.ToLower(name), "proxy") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"HTTPS_PROXY="+srv.URL,
		"HTTP_PROXY="+srv.URL,
		envChild+"=1",
		envCAFile+"="+caFile,
	)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child:\n%s", out)
	require.Contains(t, string(out), "PASS")

	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Equal(t, []string{
		"CONNECT " + proxyHost + ":443",
		"POST http://" + proxyHost + "/api/public/v1/applications/token",
		"GET http://" + proxyHost + "/api/public/v1/workspaces?limit=1",
	}, p.seen)
	st := p.fake.Stats()
	assert.Equal(t, int64(2), st.Exchanges)
	assert.Equal(t, int64(2), st.Requests)
	assert.Zero(t, st.Unauthorized)
}

// proxyChild runs in the child process, with the proxy variables set.
func proxyChild(t *testing.T) {
	// Nothing may leave loopback, even should the proxy setting be
	// ignored: then this dial fails instead of resolving proxyHost.
	dt := http.DefaultTransport.(*http.Transport)
	var d net.Dialer
	dt.DialContext = func(ctx context.Context, network, addr string) (
		net.Conn, error) {
		if !fakeapi.Loopback(addr) {
			return nil, fmt.Errorf("test refuses to dial %s", addr)
		}
		return d.DialContext(ctx, network, addr)
	}

	t.Run("https", func(t *testing.T) {
		cfg := clientConfig("https://" + proxyHost + "/v1")
		cfg.CAFile = os.Getenv(envCAFile)
		r, err := auth.Check(t.Context(), cfg)
		require.NoError(t, err)
		assert.Equal(t, "200 OK", r.Status)
	})
	t.Run("http", func(t *testing.T) {
		cfg := clientConfig("http://" + proxyHost + "/api/public/v1")
		cfg.AllowInsecureHTTP = true
		r, err := auth.Check(t.Context(), cfg)
		require.NoError(t, err)
		assert.Equal(t, "200 OK", r.Status)
	})
}

// proxy is a forward proxy that forwards nothing: it answers requests for
// proxyHost with the fake API, over TLS for CONNECT, and refuses the rest.
type proxy struct {
	fake *fakeapi.Server
	cert tls.Certificate

	mu   sync.Mutex
	seen []string
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if r.Method == http.MethodConnect {
		p.seen = append(p.seen, "CONNECT "+r.Host)
	} else {
		p.seen = append(p.seen, r.Method+" "+r.URL.String())
	}
	p.mu.Unlock()

	switch {
	case r.Method == http.MethodConnect && r.Host == proxyHost+":443":
		p.tunnel(w)
	case r.URL.Host == proxyHost:
		p.fake.ServeHTTP(w, r)
	default:
		http.Error(w, "this proxy forwards nothing", http.StatusForbidden)
	}
}

// tunnel ends the CONNECT and serves the fake API over TLS on the
// hijacked connection.
func (p *proxy) tunnel(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprint(conn, "HTTP/1.1 200 Connection established\r\n\r\n")

	tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{p.cert}})
	br := bufio.NewReader(tc)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		p.fake.ServeHTTP(rec, req)
		resp := rec.Result()
		resp.ContentLength = int64(rec.Body.Len())
		if err := resp.Write(tc); err != nil {
			return
		}
	}
}

// proxyCert makes a self-signed certificate for proxyHost and writes it
// to a PEM file in dir.
func proxyCert(t *testing.T, dir string) (tls.Certificate, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: proxyHost},
		DNSNames:     []string{proxyHost},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature |
			x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl,
		&key.PublicKey, key)
	require.NoError(t, err)

	path := filepath.Join(dir, "proxy-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	require.NoError(t, os.WriteFile(path, pemBytes, 0o600))
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}
