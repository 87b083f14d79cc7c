package integration

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// connectionBound is how long the test waits for the server to close a
// connection; the configured limits are far below it, so reaching it means
// the server kept the connection open.
const connectionBound = 20 * time.Second

// dialServer opens a raw connection to the server.
func dialServer(t *testing.T, s *testserver.Server) net.Conn {
	t.Helper()
	u, err := url.Parse(s.URL)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// requireClosedByServer reads until the server closes the connection, and
// fails if that does not happen within connectionBound.
func requireClosedByServer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(connectionBound)))
	_, err := io.Copy(io.Discard, c)
	if err == nil || errors.Is(err, syscall.ECONNRESET) { // io.Copy reports EOF as nil
		return
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the server kept the connection open for %s", what, connectionBound)
	}
	t.Fatalf("%s: %v", what, err)
}

// drip writes one byte of b every interval until the connection breaks or
// ctx ends: a slow-loris client that never stops making progress.
func drip(ctx context.Context, c net.Conn, b []byte) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i = (i + 1) % len(b) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := c.Write(b[i : i+1]); err != nil {
			return
		}
	}
}

// TestTimeouts_SlowAndIdleConnectionsAreClosed replays slow-loris headers and
// bodies and an idle kept-alive connection: each is closed by the server,
// while a poll held past the body limit still gets its job.
func TestTimeouts_SlowAndIdleConnectionsAreClosed(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), func(o *options.Options) {
		o.Server.ReadHeaderTimeout = 300 * time.Millisecond
		o.Server.ReadTimeout = 300 * time.Millisecond
		o.Server.IdleTimeout = 300 * time.Millisecond
		o.Actions.FetchTaskWait = time.Minute
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// A poll is held from here on; the slow clients below take longer than
	// the body limit, which must not end it.
	repo := s.CreateRepo(t, "octo", "app")
	r := instanceRunner(t, s, "r", false, "linux")
	first, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
	require.NoError(t, err)
	require.Nil(t, first.Msg.Task)
	answer := make(chan *runnerv1.FetchTaskResponse, 1)
	go func() {
		pctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // sent as connect's timeout header
		defer cancel()
		res, err := r.Client.FetchTask(pctx, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: first.Msg.TasksVersion}))
		if err != nil {
			t.Error("the held poll failed:", err)
			answer <- nil
			return
		}
		answer <- res.Msg
	}()
	require.Eventually(t, func() bool { return s.Actions.WaitingPolls() == 1 }, 10*time.Second, 5*time.Millisecond)

	t.Run("slow headers", func(t *testing.T) {
		c := dialServer(t, s)
		_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: runnerhub\r\n")
		require.NoError(t, err)
		go drip(ctx, c, []byte("X-Slow: header\r\n"))
		requireClosedByServer(t, c, "headers that never end")
	})
	for name, head := range map[string]string{
		"slow runner call body": "POST /api/actions/runner.v1.RunnerService/Register HTTP/1.1\r\nHost: runnerhub\r\nContent-Type: application/proto\r\nContent-Length: 1000000\r\n\r\n",
		"slow sign-in body":     "POST /user/login HTTP/1.1\r\nHost: runnerhub\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			c := dialServer(t, s)
			_, err := io.WriteString(c, head)
			require.NoError(t, err)
			go drip(ctx, c, []byte("a"))
			requireClosedByServer(t, c, "a body that never ends")
		})
	}
	t.Run("idle connection", func(t *testing.T) {
		c := dialServer(t, s)
		_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: runnerhub\r\n\r\n")
		require.NoError(t, err)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.False(t, res.Close, "the connection is kept alive")
		requireClosedByServer(t, c, "a kept-alive connection that sends nothing more")
	})

	s.QueueJobs(t, repo, []string{"linux"})
	res := <-answer
	require.NotNil(t, res, "the held poll answered")
	require.NotNil(t, res.Task, "the poll held past the body limit is handed the job")
}
