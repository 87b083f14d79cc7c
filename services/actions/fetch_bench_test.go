package actions_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// BenchmarkFetchTask_UpToDate is the idle poll: the runner has seen its
// scope's tasks_version, so the answer is "nothing new".
func BenchmarkFetchTask_UpToDate(b *testing.B) {
	for _, be := range dbtest.Backends() {
		env := newBenchEnv(b, be)
		env.fillQueue(b, 10, 50)
		first, err := env.svc.FetchTask(env.ctx, env.runner, 0)
		require.NoError(b, err)
		require.NotNil(b, first.Task)
		b.Run(be.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := env.svc.FetchTask(env.ctx, env.runner, first.TasksVersion)
				require.NoError(b, err)
				require.Nil(b, res.Task)
			}
		})
	}
}

// largeQueue is the long queue of BenchmarkFetchTask_Claim; -short keeps CI quick.
func largeQueue() int {
	if testing.Short() {
		return 1000
	}
	return 100000
}

// BenchmarkFetchTask_Claim is a poll that is handed a job, with few and with
// many jobs waiting over 50 label sets: the cost must not grow with the queue.
// Each claimed job is replaced (untimed) so the queue keeps its length.
func BenchmarkFetchTask_Claim(b *testing.B) {
	for _, be := range dbtest.Backends() {
		for _, waiting := range []int{10, largeQueue()} {
			env := newBenchEnv(b, be)
			env.fillQueue(b, waiting, 50)
			b.Run(fmt.Sprintf("%s/waiting=%d", be.Name, waiting), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					res, err := env.svc.FetchTask(env.ctx, env.runner, 0)
					require.NoError(b, err)
					require.NotNil(b, res.Task)
					b.StopTimer()
					env.queueJob(b)
					b.StartTimer()
				}
			})
		}
	}
}
