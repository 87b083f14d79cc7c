package actions_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// BenchmarkUpdateLog appends 100 rows per call to one task's log, as
// act_runner sends them; rows/s is reported beside the time per call.
func BenchmarkUpdateLog(b *testing.B) {
	const rowsPerCall = 100
	for _, be := range dbtest.Backends() {
		env := newBenchEnv(b, be)
		env.fillQueue(b, 1, 1)
		res, err := env.svc.FetchTask(env.ctx, env.runner, 0)
		require.NoError(b, err)
		require.NotNil(b, res.Task)
		rows := make([]actions_model.LogLine, rowsPerCall)
		for i := range rows {
			rows[i] = actions_model.LogLine{UnixNano: time.Now().UnixNano(), Content: fmt.Sprintf("%06d  step output: compiling package %d of the build, all fine so far", i, i)}
		}
		var index int64
		b.Run(be.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ack, err := env.svc.UpdateLog(env.ctx, env.runner, actions_service.LogInput{TaskID: res.Task.Task.ID, Index: index, Rows: rows})
				require.NoError(b, err)
				index = ack
			}
			b.ReportMetric(float64(b.N*rowsPerCall)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
