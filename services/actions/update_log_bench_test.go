package actions_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// benchRowsPerCall is how many rows one UpdateLog call carries here.
const benchRowsPerCall = 100

func benchLogRows() []actions_model.LogLine {
	rows := make([]actions_model.LogLine, benchRowsPerCall)
	for i := range rows {
		rows[i] = actions_model.LogLine{UnixNano: time.Now().UnixNano(), Content: fmt.Sprintf("%06d  step output: compiling package %d of the build, all fine so far", i, i)}
	}
	return rows
}

// takeTasks gives the env's runner n tasks.
func (e *benchEnv) takeTasks(b *testing.B, n int) []int64 {
	b.Helper()
	e.fillQueue(b, n, 1)
	ids := make([]int64, n)
	for i := range ids {
		res, err := e.svc.FetchTask(e.ctx, e.runner, 0)
		require.NoError(b, err)
		require.NotNil(b, res.Task)
		ids[i] = res.Task.Task.ID
	}
	return ids
}

// BenchmarkUpdateLog appends 100 rows per call to one task's log, one call
// at a time, as one act_runner sends them.
func BenchmarkUpdateLog(b *testing.B) {
	for _, be := range dbtest.Backends() {
		env := newBenchEnv(b, be)
		task := env.takeTasks(b, 1)[0]
		rows := benchLogRows()
		var index int64
		b.Run(be.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ack, err := env.svc.UpdateLog(env.ctx, env.runner, actions_service.LogInput{TaskID: task, Index: index, Rows: rows})
				require.NoError(b, err)
				index = ack
			}
			b.ReportMetric(float64(b.N*benchRowsPerCall)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkUpdateLog_Concurrent has 8 tasks' logs per CPU appended at once,
// as a busy fleet does; concurrent appends share their commits.
func BenchmarkUpdateLog_Concurrent(b *testing.B) {
	const perCPU = 8
	tasks := perCPU * runtime.GOMAXPROCS(0)
	for _, be := range dbtest.Backends() {
		env := newBenchEnv(b, be)
		ids := env.takeTasks(b, tasks)
		rows := benchLogRows()
		var next atomic.Int64
		index := make([]int64, tasks)
		b.Run(be.Name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(perCPU) // one writer per task
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)-1) % tasks // each writer its own task
				for pb.Next() {
					ack, err := env.svc.UpdateLog(env.ctx, env.runner, actions_service.LogInput{TaskID: ids[i], Index: index[i], Rows: rows})
					if err != nil {
						b.Error(err)
						return
					}
					index[i] = ack
				}
			})
			b.ReportMetric(float64(b.N*benchRowsPerCall)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
