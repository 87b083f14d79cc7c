package integration

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/provisioner"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// BenchmarkPool_QueuedToStarted measures, on every database, the time from
// queueing a job (before the run is written) to the pool's START_COMMAND
// running for it: the wake-up, the pass over the pool, the slot claim,
// the JIT runner and the fork. Each job then runs on its tests/jitrunner
// before the next is queued, so every start is a fresh one.
//
//	go test ./tests/integration -run '^$' -bench BenchmarkPool_QueuedToStarted -benchtime 50x
func BenchmarkPool_QueuedToStarted(b *testing.B) {
	bin := buildJITRunner(b)
	for _, be := range dbtest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			dir := b.TempDir()
			s := testserver.Start(b, be, func(o *options.Options) {
				o.Pools = []options.Pool{{Name: "linux", Labels: []string{"linux"}, MaxRunners: 2, StartTimeout: time.Minute,
					StartCommand: jitRunnerCommand(bin, dir)}}
			})
			started := make(chan provisioner.Event, 16)
			s.App.Pools().Observe(func(e provisioner.Event) {
				if e.Kind == provisioner.EventStarted {
					started <- e
				}
			})
			repo := s.CreateRepo(b, "octo", "app")
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				queued := time.Now()
				job := s.QueueJobs(b, repo, []string{"linux"})[0]
				e := <-started
				require.Equal(b, job, e.JobID)
				lat = append(lat, e.At.Sub(queued))
				requireJobDone(b, s, job)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
		})
	}
}

// requireJobDone waits until the job succeeded and its runner left the pool.
func requireJobDone(b *testing.B, s *testserver.Server, job int64) {
	require.Eventually(b, func() bool {
		j, err := actions_model.GetRunJobByID(s.Ctx, job)
		require.NoError(b, err)
		rows, err := pool_model.FindLive(s.Ctx, "linux")
		require.NoError(b, err)
		return j.Status == actions_model.StatusSuccess && len(rows) == 0
	}, time.Minute, 2*time.Millisecond)
}
