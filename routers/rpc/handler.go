// Package rpc serves the runner protocol: connect handlers that take the
// runner from the context, check the request's shape, call one service
// function, and convert the result.
package rpc

import (
	"context"
	"net/http"

	"connectrpc.com/connect"

	pingv1 "code.gitea.io/actions-proto-go/ping/v1"
	"code.gitea.io/actions-proto-go/ping/v1/pingv1connect"
	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"

	runnerhubv1 "code.runnerhub.dev/runnerhub/proto/runnerhub/runner/v1"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// Prefix is where the runner protocol is mounted, as in Gitea.
const Prefix = "/api/actions"

// CompressMinBytes is the smallest answer sent compressed when the client
// accepts gzip (act_runner does). Most answers are a few bytes, and gzip's
// set-up would cost more than the whole rest of an idle poll.
const CompressMinBytes = 1024

// NewHandler returns the runner protocol handler, to be mounted at Prefix.
// The interceptors run before authentication (e.g. RegisterRateLimit).
func NewHandler(svc *actions_service.Service, maxRequestBytes int64, interceptors ...connect.Interceptor) http.Handler {
	opts := []connect.HandlerOption{
		connect.WithInterceptors(append(interceptors, authInterceptor(svc))...),
		connect.WithReadMaxBytes(int(maxRequestBytes)),
		connect.WithCompressMinBytes(CompressMinBytes),
	}
	h := &runnerHandler{svc: svc}
	mux := http.NewServeMux()
	mux.Handle(runnerv1connect.NewRunnerServiceHandler(h, opts...))
	mux.Handle(runnerhubv1.NewDeregisterHandler(h.Deregister, opts...))
	mux.Handle(pingv1connect.NewPingServiceHandler(pingHandler{}, connect.WithReadMaxBytes(int(maxRequestBytes))))
	return http.StripPrefix(Prefix, mux)
}

type runnerHandler struct {
	svc *actions_service.Service
}

var _ runnerv1connect.RunnerServiceHandler = (*runnerHandler)(nil)

func (h *runnerHandler) Register(ctx context.Context, req *connect.Request[runnerv1.RegisterRequest]) (*connect.Response[runnerv1.RegisterResponse], error) {
	m := req.Msg
	labels := m.GetLabels()
	if len(labels) == 0 {
		labels = append(append([]string{}, m.GetAgentLabels()...), m.GetCustomLabels()...) // runners before labels were one list
	}
	reg, err := h.svc.Register(ctx, actions_service.RegisterInput{
		Name:              m.GetName(),
		RegistrationToken: m.GetToken(),
		Version:           m.GetVersion(),
		Labels:            labels,
		Ephemeral:         m.GetEphemeral(),
		Capabilities:      unknownStrings(m, registerCapabilitiesField),
	})
	if err != nil {
		return nil, toConnectError(ctx, req.Spec().Procedure, err)
	}
	return connect.NewResponse(&runnerv1.RegisterResponse{Runner: toRunner(reg.Runner, reg.Token)}), nil
}

func (h *runnerHandler) Declare(ctx context.Context, req *connect.Request[runnerv1.DeclareRequest]) (*connect.Response[runnerv1.DeclareResponse], error) {
	r, err := h.svc.Declare(ctx, runnerFrom(ctx), actions_service.DeclareInput{
		Version:      req.Msg.GetVersion(),
		Labels:       req.Msg.GetLabels(),
		Capabilities: unknownStrings(req.Msg, declareCapabilitiesField),
	})
	if err != nil {
		return nil, toConnectError(ctx, req.Spec().Procedure, err)
	}
	res := connect.NewResponse(&runnerv1.DeclareResponse{Runner: toRunner(r, "")})
	res.Header().Set(capabilitiesHeader, serverCapabilities)
	return res, nil
}

func (h *runnerHandler) FetchTask(ctx context.Context, req *connect.Request[runnerv1.FetchTaskRequest]) (*connect.Response[runnerv1.FetchTaskResponse], error) {
	res, err := h.svc.FetchTask(ctx, runnerFrom(ctx), req.Msg.GetTasksVersion())
	if err != nil {
		return nil, toConnectError(ctx, req.Spec().Procedure, err)
	}
	out := &runnerv1.FetchTaskResponse{TasksVersion: res.TasksVersion}
	if res.Task != nil {
		if out.Task, err = toTask(res.Task); err != nil {
			return nil, toConnectError(ctx, req.Spec().Procedure, err)
		}
	}
	resp := connect.NewResponse(out)
	if res.WaitRefused {
		// A fleet larger than the polls this process holds: an idle
		// connection per runner between its polls would cost more memory
		// than the runner's next connect costs time.
		resp.Header().Set("Connection", "close")
	}
	return resp, nil
}

func (h *runnerHandler) UpdateTask(ctx context.Context, req *connect.Request[runnerv1.UpdateTaskRequest]) (*connect.Response[runnerv1.UpdateTaskResponse], error) {
	if req.Msg.GetState() == nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, errStateRequired)
	}
	res, err := h.svc.UpdateTask(ctx, runnerFrom(ctx), fromTaskState(req.Msg.GetState(), req.Msg.GetOutputs()))
	if err != nil {
		return nil, toConnectError(ctx, req.Spec().Procedure, err)
	}
	return connect.NewResponse(&runnerv1.UpdateTaskResponse{
		State:       &runnerv1.TaskState{Id: res.TaskID, Result: res.Result.AsResult()},
		SentOutputs: res.SentOutputs,
	}), nil
}

func (h *runnerHandler) UpdateLog(ctx context.Context, req *connect.Request[runnerv1.UpdateLogRequest]) (*connect.Response[runnerv1.UpdateLogResponse], error) {
	ack, err := h.svc.UpdateLog(ctx, runnerFrom(ctx), actions_service.LogInput{
		TaskID: req.Msg.GetTaskId(),
		Index:  req.Msg.GetIndex(),
		Rows:   fromLogRows(req.Msg.GetRows()),
		NoMore: req.Msg.GetNoMore(),
	})
	if err != nil {
		return nil, toConnectError(ctx, req.Spec().Procedure, err)
	}
	return connect.NewResponse(&runnerv1.UpdateLogResponse{AckIndex: ack}), nil
}

func (h *runnerHandler) Deregister(ctx context.Context, req *connect.Request[runnerhubv1.DeregisterRequest]) (*connect.Response[runnerhubv1.DeregisterResponse], error) {
	if err := h.svc.Deregister(ctx, runnerFrom(ctx), req.Msg.GetForce()); err != nil {
		return nil, toConnectError(ctx, req.Spec().Procedure, err)
	}
	return connect.NewResponse(&runnerhubv1.DeregisterResponse{}), nil
}

type pingHandler struct{}

func (pingHandler) Ping(_ context.Context, req *connect.Request[pingv1.PingRequest]) (*connect.Response[pingv1.PingResponse], error) {
	return connect.NewResponse(&pingv1.PingResponse{Data: "Hello, " + req.Msg.GetData() + "!"}), nil
}
