package rpc

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"connectrpc.com/connect"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// codes maps the kinds of service errors to connect codes. Unlike Gitea,
// which answers every runner error as "unknown", a client's mistake gets the
// code that says so; act_runner stops only on a real Unauthenticated.
var codes = []struct {
	kind error
	code connect.Code
}{
	{errs.InvalidArgument, connect.CodeInvalidArgument},
	{errs.Unauthenticated, connect.CodeUnauthenticated},
	{errs.PermissionDenied, connect.CodePermissionDenied},
	{errs.NotFound, connect.CodeNotFound},
	{errs.AlreadyExists, connect.CodeAlreadyExists},
	{errs.FailedPrecondition, connect.CodeFailedPrecondition},
	{errs.ResourceExhausted, connect.CodeResourceExhausted},
	{errs.Unavailable, connect.CodeUnavailable},
}

// toConnectError turns a service error into a connect error. Anything not of
// a known kind is a server fault: it is logged in full and the client gets
// a plain "internal error".
func toConnectError(ctx context.Context, procedure string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return connect.NewError(connect.CodeCanceled, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	}
	for _, c := range codes {
		if errors.Is(err, c.kind) {
			// The code already names the kind; keep the message to the detail.
			msg := strings.TrimPrefix(err.Error(), c.kind.Error()+": ")
			return connect.NewError(c.code, errors.New(msg))
		}
	}
	slog.ErrorContext(ctx, "runner call failed", "procedure", procedure, "err", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error"))
}

var errStateRequired = errors.New("state is required")
