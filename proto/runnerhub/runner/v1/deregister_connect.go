package runnerhubv1

import (
	"context"
	"net/http"
	"strings"

	"connectrpc.com/connect"
)

// DeregisterProcedure is where Deregister is served: beside upstream's
// RunnerService methods, under the path a runner already talks to.
const DeregisterProcedure = "/runner.v1.RunnerService/Deregister"

// NewDeregisterClient returns a client for Deregister at baseURL (for example
// http://127.0.0.1:3000/api/actions).
func NewDeregisterClient(httpClient connect.HTTPClient, baseURL string, opts ...connect.ClientOption) *connect.Client[DeregisterRequest, DeregisterResponse] {
	return connect.NewClient[DeregisterRequest, DeregisterResponse](
		httpClient, strings.TrimRight(baseURL, "/")+DeregisterProcedure, opts...)
}

// NewDeregisterHandler serves Deregister with fn; mount the handler at the
// returned path.
func NewDeregisterHandler(
	fn func(context.Context, *connect.Request[DeregisterRequest]) (*connect.Response[DeregisterResponse], error),
	opts ...connect.HandlerOption,
) (string, http.Handler) {
	return DeregisterProcedure, connect.NewUnaryHandler(DeregisterProcedure, fn, opts...)
}
