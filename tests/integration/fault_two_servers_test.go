package integration

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// testTwoServersOneDatabase runs two server processes on one PostgreSQL or
// MySQL database and 50 runners, some ephemeral, spread over both; the
// ephemeral ones switch servers on every call. Of 500 jobs each runs exactly
// once, and no ephemeral runner gets a second job.
func testTwoServersOneDatabase(t *testing.T, bin string) {
	const jobs, runners, ephemerals = 500, 50, 10
	for _, b := range dbtest.Backends() {
		if b.Name == "sqlite" {
			continue // one SQLite file is not shared by server processes
		}
		t.Run(b.Name, func(t *testing.T) {
			site := newFaultSite(t, b.NewDatabase(t))
			servers := []*serverProcess{
				startServer(t, bin, site.writeConfig(t, "a", site.dbo, "")),
				startServer(t, bin, site.writeConfig(t, "b", site.dbo, "")),
			}
			urls := []string{servers[0].rpcURL(), servers[1].rpcURL()}
			site.queue(t, jobs)
			regToken := site.registrationToken(t)

			var (
				mu      sync.Mutex
				ranBy   = map[string][]string{} // run_id/job → the runners that got it
				doneN   atomic.Int64
				wg      sync.WaitGroup
				failure = make(chan error, runners)
			)
			for i := range runners {
				eph := i < ephemerals
				name := fmt.Sprintf("runner-%d", i)
				r := registerAt(t, urls[i%2], regToken, name, eph)
				wg.Go(func() {
					if err := r.work(urls, i, name, &doneN, jobs, func(key string) {
						mu.Lock()
						ranBy[key] = append(ranBy[key], name)
						mu.Unlock()
					}); err != nil {
						failure <- err
					}
				})
			}
			wg.Wait()
			close(failure)
			for err := range failure {
				t.Error(err)
			}

			require.Len(t, ranBy, jobs, "every job ran")
			for key, names := range ranBy {
				assert.Len(t, names, 1, "job %s ran exactly once", key)
			}
			e := db.GetEngine(site.ctx)
			var perJob []struct {
				JobID int64
				N     int64
			}
			require.NoError(t, e.SQL("SELECT job_id, COUNT(*) AS n FROM action_task GROUP BY job_id").Find(&perJob))
			require.Len(t, perJob, jobs, "every job has a task")
			for _, row := range perJob {
				assert.Equal(t, int64(1), row.N, "job %d has exactly one task", row.JobID)
			}
			var perRunner []struct {
				RunnerID int64
				N        int64
			}
			require.NoError(t, e.SQL("SELECT t.runner_id AS runner_id, COUNT(*) AS n FROM action_task t JOIN action_runner r ON r.id = t.runner_id"+
				" WHERE r.ephemeral = ? GROUP BY t.runner_id", true).Find(&perRunner))
			for _, row := range perRunner {
				assert.Equal(t, int64(1), row.N, "ephemeral runner %d took exactly one job", row.RunnerID)
			}
			left, err := e.Where("status <> ?", actions_model.StatusSuccess).Count(new(actions_model.RunJob))
			require.NoError(t, err)
			assert.Zero(t, left, "every job succeeded")
			live, err := e.Where("ephemeral = ? AND task_count > 0 AND deleted = 0", true).Count(new(actions_model.Runner))
			require.NoError(t, err)
			assert.Zero(t, live, "every ephemeral runner that worked is retired")
		})
	}
}

// work polls like act_runner (sending back the tasks_version it saw, and 0
// after it got a task) and
// finishes each task at once, until all jobs are done. An ephemeral runner
// switches servers on every call and stops once it is told it was removed.
func (r *procRunner) work(urls []string, i int, name string, doneN *atomic.Int64, jobs int64, ran func(key string)) error {
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Minute)
	var version int64
	took := 0
	for call := 0; doneN.Load() < jobs || r.ephemeral && took > 0; call++ {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %d of %d jobs done at the deadline", name, doneN.Load(), jobs)
		}
		url := urls[i%2]
		if r.ephemeral {
			url = urls[call%2]
		}
		c := r.client(url)
		res, err := c.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: version}))
		if err != nil {
			if r.ephemeral && took == 1 && connect.CodeOf(err) == connect.CodeUnauthenticated {
				return nil // retired after its one job, as it should be
			}
			return fmt.Errorf("%s: fetch: %w", name, err)
		}
		version = res.Msg.TasksVersion
		task := res.Msg.Task
		if task == nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		version = 0 // act_runner looks again at once after a task, whatever the version
		took++
		if r.ephemeral && took > 1 {
			return fmt.Errorf("%s: ephemeral runner got a second job (task %d)", name, task.Id)
		}
		ran(task.Context.Fields["run_id"].GetStringValue() + "/" + task.Context.Fields["job"].GetStringValue())
		if _, err := c.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
			Id: task.Id, Result: runnerv1.Result_RESULT_SUCCESS, StoppedAt: timestamppb.Now(),
		}})); err != nil {
			return fmt.Errorf("%s: finish task %d: %w", name, task.Id, err)
		}
		doneN.Add(1)
	}
	return nil
}
