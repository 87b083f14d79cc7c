package rhload

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
)

// newHTTPClient keeps up to conns connections to the server open and
// reuses them between calls, as each act_runner keeps its own.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}}
}

// runnerClients returns one protocol client per runner, each on its own
// connection as separate act_runner processes are (own), or all sharing one
// pool of connections, as runners behind a reverse proxy reach the server
// over the proxy's pool.
func runnerClients(base string, n int, own bool) []runnerv1connect.RunnerServiceClient {
	cs := make([]runnerv1connect.RunnerServiceClient, n)
	shared := newClient(newHTTPClient(n), base)
	for i := range cs {
		cs[i] = shared
		if own {
			cs[i] = newClient(newHTTPClient(1), base)
		}
	}
	return cs
}

// newClient returns a protocol client on base (the server's root URL).
func newClient(hc *http.Client, base string) runnerv1connect.RunnerServiceClient {
	return runnerv1connect.NewRunnerServiceClient(hc, base+"/api/actions")
}

// Runner is one registered runner's identity and what it last saw.
type Runner struct {
	UUID, Token  string
	Labels       []string
	TasksVersion int64
}

// request builds a request carrying the runner's credentials.
func request[T any](r *Runner, msg *T) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("x-runner-uuid", r.UUID)
	req.Header().Set("x-runner-token", r.Token)
	return req
}

// labelsOf gives runner i the labels of label set i%sets: it serves exactly
// that set's jobs.
func labelsOf(i, sets int) []string {
	return []string{"linux", "set-" + strconv.Itoa(i%sets)}
}

// register registers n runners through the protocol, conc at a time.
func register(ctx context.Context, c runnerv1connect.RunnerServiceClient, regToken string, n, sets, conc int) ([]*Runner, error) {
	runners := make([]*Runner, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range max(conc, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				labels := labelsOf(i, sets)
				res, err := registerOne(ctx, c, regToken, fmt.Sprintf("bench-%d", i), labels)
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("register runner %d: %w", i, err) })
					return
				}
				runners[i] = &Runner{UUID: res.Msg.Runner.Uuid, Token: res.Msg.Runner.Token, Labels: labels}
			}
		})
	}
	wg.Wait()
	return runners, firstErr
}

// registerOne registers a runner, waiting out the server's rate limit.
func registerOne(ctx context.Context, c runnerv1connect.RunnerServiceClient, regToken, name string, labels []string) (*connect.Response[runnerv1.RegisterResponse], error) {
	for {
		res, err := c.Register(ctx, connect.NewRequest(&runnerv1.RegisterRequest{
			Name: name, Token: regToken, Version: "rhload", Labels: labels,
		}))
		if connect.CodeOf(err) != connect.CodeResourceExhausted {
			return res, err
		}
		sleep(ctx, time.Second)
	}
}
