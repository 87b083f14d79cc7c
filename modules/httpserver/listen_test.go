package httpserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testcert"
)

// TestHTTPS_ReloadKeepsOpenConnections: after the files change and Reload,
// new handshakes get the new certificate, a request held across the reload
// finishes on its connection, and a broken pair leaves the old one served.
func TestHTTPS_ReloadKeepsOpenConnections(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := testcert.Write(t, certFile, keyFile, "first")

	o := options.Default().Server
	o.HTTPPort, o.Protocol, o.CertFile, o.KeyFile = 0, options.ProtocolHTTPS, certFile, keyFile
	ln, url, cert, err := Listen(o)
	require.NoError(t, err)
	require.NotNil(t, cert)
	assert.Regexp(t, `^https://127\.0\.0\.1:\d+/$`, url)

	release, held := make(chan struct{}), make(chan struct{})
	srv := New(o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			close(held)
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	}))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	// get makes a fresh connection (its own transport) trusting only
	// trusted, and reports the certificate the server showed.
	get := func(path string, trusted *x509.Certificate) (string, error) {
		pool := x509.NewCertPool()
		pool.AddCert(trusted)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		res, err := c.Get(url + path[1:])
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.TLS.PeerCertificates[0].Subject.CommonName + " " + string(b), nil
	}
	got, err := get("/", first)
	require.NoError(t, err)
	assert.Equal(t, "first ok", got)

	heldResult := make(chan string, 1)
	go func() {
		s, err := get("/hold", first)
		if err != nil {
			s = err.Error()
		}
		heldResult <- s
	}()
	<-held
	second := testcert.Write(t, certFile, keyFile, "second")
	require.NoError(t, cert.Reload())
	got, err = get("/", second)
	require.NoError(t, err)
	assert.Equal(t, "second ok", got, "a new handshake gets the new certificate")
	_, err = get("/", first)
	require.Error(t, err, "the old certificate is no longer served")
	close(release)
	assert.Equal(t, "first ok", <-heldResult, "the request held across the reload finished")

	require.NoError(t, os.WriteFile(keyFile, []byte("not a key"), 0o600))
	require.Error(t, cert.Reload())
	got, err = get("/", second)
	require.NoError(t, err)
	assert.Equal(t, "second ok", got, "a broken pair keeps the previous certificate")
}

// TestUnixSocket: PROTOCOL = http+unix listens at HTTP_ADDR with the mode
// asked for, replacing a socket a stopped server left.
func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rh.sock")
	require.NoError(t, os.WriteFile(path, nil, 0o600), "a leftover")
	o := options.Default().Server
	o.Protocol, o.HTTPAddr, o.UnixSocketPermission = options.ProtocolHTTPUnix, path, "660"
	ln, _, cert, err := Listen(o)
	require.NoError(t, err)
	assert.Nil(t, cert)
	srv := New(o, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm())
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
	res, err := c.Get("http://unix/")
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "ok", string(b))
}
