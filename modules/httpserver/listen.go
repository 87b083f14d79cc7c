package httpserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"sync"

	"code.runnerhub.dev/runnerhub/options"
)

// Certificate serves the key pair in CERT_FILE and KEY_FILE to TLS
// handshakes and re-reads it on Reload. A reload changes only the
// handshakes after it: connections already open (a runner's held poll)
// keep the certificate they were made with, so renewing one drops nothing.
type Certificate struct {
	certFile, keyFile string
	mu                sync.RWMutex
	cert              *tls.Certificate
}

// LoadCertificate reads the key pair; an unreadable or mismatched pair is
// an error here, before anything listens.
func LoadCertificate(certFile, keyFile string) (*Certificate, error) {
	c := &Certificate{certFile: certFile, keyFile: keyFile}
	return c, c.Reload()
}

// Reload re-reads the files; on an error the certificate served so far
// stays in use.
func (c *Certificate) Reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("load CERT_FILE %s and KEY_FILE %s: %w", c.certFile, c.keyFile, err)
	}
	c.mu.Lock()
	c.cert = &cert
	c.mu.Unlock()
	return nil
}

// GetCertificate is tls.Config's hook: the pair as last loaded.
func (c *Certificate) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cert, nil
}

// TLSConfig is the server's TLS settings over c.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate, NextProtos: []string{"h2", "http/1.1"}}
}

// Listen opens what [server] PROTOCOL names: TCP on HTTP_ADDR:HTTP_PORT,
// TLS over it (cert is then the certificate to reload), or a unix socket
// at HTTP_ADDR. The URL is the server's own address, for ROOT_URL when none
// is configured.
func Listen(o options.Server) (ln net.Listener, url string, cert *Certificate, err error) {
	switch o.Protocol {
	case options.ProtocolHTTPUnix:
		mode, err := strconv.ParseUint(o.UnixSocketPermission, 8, 32)
		if err != nil {
			return nil, "", nil, fmt.Errorf("[server] UNIX_SOCKET_PERMISSION: %w", err)
		}
		// A socket left by a stopped server would make Listen fail.
		if err := os.Remove(o.HTTPAddr); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, "", nil, err
		}
		ln, err := net.Listen("unix", o.HTTPAddr)
		if err != nil {
			return nil, "", nil, err
		}
		if err := os.Chmod(o.HTTPAddr, fs.FileMode(mode)); err != nil {
			_ = ln.Close()
			return nil, "", nil, err
		}
		return ln, "http://unix/", nil, nil
	case options.ProtocolHTTPS:
		if cert, err = LoadCertificate(o.CertFile, o.KeyFile); err != nil {
			return nil, "", nil, err
		}
		tcp, err := net.Listen("tcp", o.ListenAddr())
		if err != nil {
			return nil, "", nil, err
		}
		return tls.NewListener(tcp, cert.TLSConfig()), "https://" + tcp.Addr().String() + "/", cert, nil
	}
	ln, err = net.Listen("tcp", o.ListenAddr())
	if err != nil {
		return nil, "", nil, err
	}
	return ln, "http://" + ln.Addr().String() + "/", nil, nil
}
