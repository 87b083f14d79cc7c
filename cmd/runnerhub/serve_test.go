package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/tests/testcert"
)

// TestServe_HTTPSWithRunnerClient runs `runnerhub serve` with PROTOCOL =
// https: act_runner's protocol client registers over TLS, and after the
// files change a SIGHUP makes new handshakes show the new certificate.
func TestServe_HTTPSWithRunnerClient(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := testcert.Write(t, certFile, keyFile, "first")
	cfg := filepath.Join(dir, "app.ini")
	require.NoError(t, os.WriteFile(cfg, []byte("[server]\nAPP_DATA_PATH = "+dir+"\nHTTP_PORT = 0\nPROTOCOL = https\nCERT_FILE = "+certFile+
		"\nKEY_FILE = "+keyFile+"\n[database]\nPATH = "+filepath.Join(dir, "rh.db")+"\n"), 0o600))

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-c", cfg}, pw); _ = pw.Close() }()
	t.Cleanup(func() {
		cancel()
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		require.NoError(t, <-done)
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	m := regexp.MustCompile(`^listening on (https://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	require.NotNil(t, m, line)
	base := m[1]
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	client := func(trusted *x509.Certificate) *http.Client {
		pool := x509.NewCertPool()
		pool.AddCert(trusted)
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	token, err := cliOut(cfg, "actions", "generate-runner-token")
	require.NoError(t, err)
	rc := runnerv1connect.NewRunnerServiceClient(client(first), base+"/api/actions")
	res, err := rc.Register(ctx, connect.NewRequest(&runnerv1.RegisterRequest{Name: "tls-runner", Token: token, Labels: []string{"linux"}, Version: "test"}))
	require.NoError(t, err)
	assert.Equal(t, "tls-runner", res.Msg.Runner.Name)

	second := testcert.Write(t, certFile, keyFile, "second")
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	// The signal is handled asynchronously: retry the handshake, a bounded
	// number of times, until it trusts the new certificate.
	var lastErr error
	for attempt := 0; attempt < 5000; attempt++ {
		res, err := client(second).Get(base + "/")
		if lastErr = err; err == nil {
			res.Body.Close()
			assert.Equal(t, "second", res.TLS.PeerCertificates[0].Subject.CommonName)
			break
		}
		runtime.Gosched()
	}
	require.NoError(t, lastErr, "the certificate was reloaded on SIGHUP")
}

func cliOut(cfg string, args ...string) (string, error) {
	var b bytes.Buffer
	err := run(context.Background(), append(args, "-c", cfg), &b)
	return strings.TrimSpace(b.String()), err
}
