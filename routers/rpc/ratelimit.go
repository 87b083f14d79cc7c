package rpc

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"connectrpc.com/connect"

	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"

	"code.runnerhub.dev/runnerhub/modules/ratelimit"
)

// RegisterRateLimit limits Register calls that present a wrong registration
// token, per source address, so that a reachable endpoint cannot be used to
// guess tokens. Registrations with a good token are not counted: an
// autoscaler may start many runners at once from one address.
func RegisterRateLimit(l *ratelimit.Limiter) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if l == nil || req.Spec().Procedure != runnerv1connect.RunnerServiceRegisterProcedure {
				return next(ctx, req)
			}
			addr := ratelimit.AddrKey(req.Peer().Addr)
			// The token is taken before the outcome is known, so that many
			// concurrent guesses cannot all pass, and given back on success.
			if ok, wait := l.Allow(addr); !ok {
				secs := int(math.Ceil(wait.Seconds()))
				err := connect.NewError(connect.CodeResourceExhausted,
					fmt.Errorf("too many registrations with a wrong token from this address; retry in %d s", secs))
				err.Meta().Set("Retry-After", strconv.Itoa(secs))
				return nil, err
			}
			res, err := next(ctx, req)
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				l.Return(addr)
			}
			return res, err
		}
	}
}
