package actions_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// BenchmarkAuthenticateRunner is the runner token check every RPC but
// Register makes: from the in-process cache (the poll path), and with the
// cache off, where each call reads the runner's row.
func BenchmarkAuthenticateRunner(b *testing.B) {
	for _, be := range dbtest.Backends() {
		for _, c := range []struct {
			name string
			ttl  time.Duration
		}{{"cached", time.Hour}, {"uncached", 0}} {
			env := newBenchEnv(b, be, func(o *options.Options) { o.Actions.RunnerAuthCacheTTL = c.ttl })
			b.Run(be.Name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, err := env.svc.AuthenticateRunner(env.ctx, env.runner.UUID, env.token, actions_service.CallOther)
					require.NoError(b, err)
				}
			})
		}
	}
}
