package rpc

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"connectrpc.com/connect"

	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"

	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/modules/ratelimit"
)

// RegisterRateLimit limits Register calls that present a wrong registration
// token, per client address. Only failures are counted, and a good token is
// always let through, even from an address over the limit: checking a token
// is one cheap lookup, and an autoscaler (or a whole office behind one
// address) must not be locked out by someone else's guesses. Guessing gains
// nothing either way: tokens are 160 random bits.
func RegisterRateLimit(l *ratelimit.Limiter) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if l == nil || req.Spec().Procedure != runnerv1connect.RunnerServiceRegisterProcedure {
				return next(ctx, req)
			}
			addr := clientaddr.Of(ctx, req.Peer().Addr)
			// A token of the budget is taken before the outcome is known, so
			// that concurrent wrong guesses cannot all count as within it,
			// and given back unless the token was wrong.
			allowed, wait := l.Allow(addr)
			res, err := next(ctx, req)
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				if allowed {
					l.Return(addr)
				}
				return res, err
			}
			if !allowed {
				secs := int(math.Ceil(wait.Seconds()))
				err := connect.NewError(connect.CodeResourceExhausted,
					fmt.Errorf("too many registrations with a wrong token from this address; retry in %d s", secs))
				err.Meta().Set("Retry-After", strconv.Itoa(secs))
				return nil, err
			}
			return res, err
		}
	}
}
