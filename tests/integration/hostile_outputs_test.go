package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// storedOutputs sums what the task's output rows hold.
func storedOutputs(t *testing.T, s *testserver.Server, taskID int64) (keys, bytes int) {
	t.Helper()
	outs, err := actions_model.GetTaskOutputs(s.Ctx, taskID)
	require.NoError(t, err)
	for _, o := range outs {
		bytes += len(o.OutputKey) + len(o.OutputValue)
	}
	return len(outs), bytes
}

// TestHostile_TaskOutputsAreCappedPerJob replays the output attack of
// issue 10 (94 MB stored for one task in three calls): a job's outputs,
// keys and values of all calls together, stop at 1 MiB and 256 keys. A call
// that would go past is refused with InvalidArgument naming the limit, and
// nothing of it is stored, its steps included. Calls racing for the last
// room cannot pass the limit together.
func TestHostile_TaskOutputsAreCappedPerJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false, "linux")
		s.QueueJobs(t, repo, []string{"linux"}, []string{"linux"})
		task := fetch(t, r)
		require.NotNil(t, task)
		ctx := context.Background()
		update := func(outputs map[string]string, steps ...*runnerv1.StepState) (*runnerv1.UpdateTaskResponse, error) {
			res, err := r.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{
				State: &runnerv1.TaskState{Id: task.Id, Steps: steps}, Outputs: outputs,
			}))
			if err != nil {
				return nil, err
			}
			return res.Msg, nil
		}

		big := strings.Repeat("v", 700_000)
		res, err := update(map[string]string{"first": big})
		require.NoError(t, err)
		assert.Equal(t, []string{"first"}, res.SentOutputs)

		step := &runnerv1.StepState{Id: 0, Result: runnerv1.Result_RESULT_SUCCESS, StartedAt: timestamppb.Now(), LogLength: 1}
		for i := range 3 {
			_, err = update(map[string]string{fmt.Sprintf("more%d", i): big, "small": "x"}, step)
			requireCode(t, err, connect.CodeInvalidArgument)
			assert.Contains(t, err.Error(), "1048576 bytes")
		}
		keys, bytes := storedOutputs(t, s, task.Id)
		assert.Equal(t, 1, keys, "nothing of a refused call is stored")
		assert.Equal(t, len("first")+len(big), bytes)
		var steps int64
		steps, err = s.Engine.Table("action_task_step").Where("task_id = ?", task.Id).Count()
		require.NoError(t, err)
		assert.Zero(t, steps, "the refused call's steps are not stored either")

		_, err = update(map[string]string{"one_call": strings.Repeat("v", 1<<20)})
		requireCode(t, err, connect.CodeInvalidArgument, "one call past the limit is refused before the database")

		// The keys' cap, across calls.
		many := map[string]string{}
		for i := range 200 {
			many[fmt.Sprintf("k%03d", i)] = "v"
		}
		_, err = update(many)
		require.NoError(t, err)
		more := map[string]string{}
		for i := range 60 {
			more[fmt.Sprintf("m%03d", i)] = "v"
		}
		_, err = update(more)
		requireCode(t, err, connect.CodeInvalidArgument)
		assert.Contains(t, err.Error(), "256 keys")
		keys, _ = storedOutputs(t, s, task.Id)
		assert.Equal(t, 201, keys)
		res, err = update(map[string]string{"first": "again", "k000": "again"})
		require.NoError(t, err, "keys already stored cost nothing: the first value wins")
		assert.Len(t, res.SentOutputs, 201)

		// A second task: eight calls race for room for one of them.
		r2 := instanceRunner(t, s, "r2", false, "linux")
		second := fetch(t, r2)
		require.NotNil(t, second)
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted := 0
		for i := range 8 {
			wg.Go(func() {
				_, err := r2.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{
					State: &runnerv1.TaskState{Id: second.Id}, Outputs: map[string]string{fmt.Sprintf("race%d", i): big},
				}))
				if err == nil {
					mu.Lock()
					accepted++
					mu.Unlock()
				} else if connect.CodeOf(err) != connect.CodeInvalidArgument {
					t.Errorf("call %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, 1, accepted, "one 700 KB call fits in 1 MiB")
		keys, bytes = storedOutputs(t, s, second.Id)
		assert.Equal(t, 1, keys)
		assert.LessOrEqual(t, bytes, 1<<20)
	})
}
