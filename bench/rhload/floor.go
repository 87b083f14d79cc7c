package rhload

import (
	"context"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"

	"code.runnerhub.dev/runnerhub/routers/rpc"
)

// floorHandler is the least a runner protocol server can do: it checks no
// credentials, reads no database and answers every FetchTask with nothing.
// It is served with the same connect options as Runnerhub's handler, so the
// ratio measures what Runnerhub does, not how connect is configured.
type floorHandler struct {
	runnerv1connect.UnimplementedRunnerServiceHandler
}

func (floorHandler) FetchTask(context.Context, *connect.Request[runnerv1.FetchTaskRequest]) (*connect.Response[runnerv1.FetchTaskResponse], error) {
	return connect.NewResponse(&runnerv1.FetchTaskResponse{}), nil
}

// startFloor serves the floor handler on loopback, mounted where Runnerhub
// mounts the protocol, and returns its root URL.
func startFloor() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(runnerv1connect.NewRunnerServiceHandler(floorHandler{}, connect.WithCompressMinBytes(rpc.CompressMinBytes)))
	srv := &http.Server{Handler: http.StripPrefix("/api/actions", mux), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
