package integration

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// outage is how long the database stays away, as the issue asks.
const outage = 10 * time.Second

// testDatabaseOutage puts a TCP proxy between a server process and its
// PostgreSQL or MySQL database (the shared database servers keep running for
// the other tests) and cuts it for ten seconds: meanwhile runner calls get
// Unavailable, which act_runner retries; afterwards the same process serves
// again without a restart.
func testDatabaseOutage(t *testing.T, bin string) {
	for _, b := range dbtest.Backends() {
		if b.Name == "sqlite" {
			continue // an embedded file cannot go away over the network
		}
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			site := newFaultSite(t, b.NewDatabase(t))
			proxy := startTCPProxy(t, site.dbo.Host)
			viaProxy := site.dbo
			viaProxy.Host = proxy.addr
			srv := startServer(t, bin, site.writeConfig(t, "server", viaProxy, ""))
			url := srv.rpcURL()
			site.queue(t, 1)
			regToken := site.registrationToken(t)
			r := registerAt(t, url, regToken, "steady", false)
			c := r.client(url)
			ctx := context.Background()
			res, err := c.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			require.NoError(t, err)
			require.NotNil(t, res.Msg.Task)
			task := res.Msg.Task
			runtimeToken := task.Context.Fields["gitea_runtime_token"].GetStringValue()

			proxy.cut()
			cutAt := time.Now()
			anon := runnerv1connect.NewRunnerServiceClient(faultHTTPClient, url)
			for rounds := 0; rounds == 0 || time.Since(cutAt) < outage; rounds++ {
				_, err := c.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				requireCode(t, err, connect.CodeUnavailable, "FetchTask while the database is away")
				_, err = c.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows("during-", 1)}))
				requireCode(t, err, connect.CodeUnavailable, "UpdateLog while the database is away")
				_, err = c.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{Id: task.Id}}))
				requireCode(t, err, connect.CodeUnavailable, "UpdateTask while the database is away")
				_, err = anon.Register(ctx, connect.NewRequest(&runnerv1.RegisterRequest{Name: "new", Token: regToken, Labels: []string{"linux"}}))
				requireCode(t, err, connect.CodeUnavailable, "Register while the database is away")
				assert.Equal(t, http.StatusServiceUnavailable, verifyStatus(t, srv.URL, runtimeToken), "runtime token check while the database is away")
				time.Sleep(time.Second) // a runner's poll interval; the outage lasts as long as it lasts
			}
			proxy.restore(t)

			require.Eventually(t, func() bool {
				_, err := c.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				return err == nil
			}, 30*time.Second, 50*time.Millisecond, "the server recovers by itself; stderr: %s", srv.logs)
			select {
			case <-srv.done:
				t.Fatal("the server process exited")
			default:
			}

			ack, err := c.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows("after-", 3), NoMore: true}))
			require.NoError(t, err)
			assert.Equal(t, int64(3), ack.Msg.AckIndex, "nothing sent during the outage was stored half-way")
			assert.Equal(t, http.StatusOK, verifyStatus(t, srv.URL, runtimeToken))
			_, err = c.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
				Id: task.Id, Result: runnerv1.Result_RESULT_SUCCESS, StoppedAt: timestamppb.Now(),
			}}))
			require.NoError(t, err)
			site.queue(t, 1)
			fresh := registerAt(t, url, regToken, "after-outage", false)
			res, err = fresh.client(url).FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			require.NoError(t, err)
			assert.NotNil(t, res.Msg.Task, "a job queued after the outage is handed out")
			assert.NotContains(t, srv.logs.String(), `"msg":"runner call failed"`, "no outage error was taken for a server fault")
		})
	}
}

// verifyStatus asks the runtime-token endpoint about token and returns the status.
func verifyStatus(t *testing.T, base, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/actions/runtime-token/verify", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := faultHTTPClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// tcpProxy forwards connections to a database server, and can cut them all
// and refuse new ones, as a database that went away does.
type tcpProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tcpProxy{target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	go p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // cut
		}
		go p.pipe(c)
	}
}

func (p *tcpProxy) pipe(down net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = down.Close()
		return
	}
	if !p.track(down, up) {
		return
	}
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			_ = down.Close()
			_ = up.Close()
			p.mu.Lock()
			delete(p.conns, down)
			delete(p.conns, up)
			p.mu.Unlock()
		})
	}
	go func() { _, _ = io.Copy(up, down); closeBoth() }()
	_, _ = io.Copy(down, up)
	closeBoth()
}

// track registers a connection pair, unless the proxy was cut meanwhile.
func (p *tcpProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// cut stops accepting (new connections are refused) and resets every open one.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset, as a crashed server's kernel does
		}
		_ = c.Close()
		delete(p.conns, c)
	}
}

// restore listens again on the same address.
func (p *tcpProxy) restore(t *testing.T) {
	t.Helper()
	var ln net.Listener
	require.Eventually(t, func() bool {
		var err error
		ln, err = net.Listen("tcp", p.addr)
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, "listen again on %s", p.addr)
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
}
