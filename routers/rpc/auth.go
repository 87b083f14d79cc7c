package rpc

import (
	"context"

	"connectrpc.com/connect"

	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// The headers act_runner authenticates every call with, but Register and Ping.
const (
	uuidHeader  = "x-runner-uuid"
	tokenHeader = "x-runner-token"
)

type runnerKey struct{}

// runnerFrom returns the runner the auth interceptor verified.
func runnerFrom(ctx context.Context) *actions_model.Runner {
	return ctx.Value(runnerKey{}).(*actions_model.Runner)
}

// authInterceptor verifies the runner's credentials on every call that needs
// them and puts the runner in the context.
func authInterceptor(svc *actions_service.Service) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			procedure := req.Spec().Procedure
			if procedure == runnerv1connect.RunnerServiceRegisterProcedure {
				return next(actions_service.WithActor(ctx, actions_service.Actor{Name: "runner", RemoteAddr: clientaddr.Of(ctx, req.Peer().Addr)}), req)
			}
			call := actions_service.CallOther
			if procedure == runnerv1connect.RunnerServiceUpdateTaskProcedure || procedure == runnerv1connect.RunnerServiceUpdateLogProcedure {
				call = actions_service.CallTaskReport
			}
			r, err := svc.AuthenticateRunner(ctx, req.Header().Get(uuidHeader), req.Header().Get(tokenHeader), call)
			if err != nil {
				return nil, toConnectError(ctx, procedure, err)
			}
			ctx = actions_service.WithActor(ctx, actions_service.Actor{RunnerID: r.ID, Name: "runner " + r.Name, RemoteAddr: clientaddr.Of(ctx, req.Peer().Addr)})
			return next(context.WithValue(ctx, runnerKey{}, r), req)
		}
	}
}
