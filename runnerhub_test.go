package runnerhub_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"xorm.io/xorm"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestNew_TwoServersInOneProcess runs two servers at once, each on its own
// database, and checks that nothing one does reaches the other: runners,
// jobs, held polls and their wake-ups, and metrics.
func TestNew_TwoServersInOneProcess(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			wait := func(o *options.Options) { o.Actions.FetchTaskWait = 30 * time.Second }
			a, z := testserver.Start(t, b, wait), testserver.Start(t, b, wait)
			ra := a.Register(t, a.RegistrationToken(t, identity.InstanceScope), "a-runner", []string{"linux"}, false)
			rz := z.Register(t, z.RegistrationToken(t, identity.InstanceScope), "z-runner", []string{"linux"}, false)

			_, err := z.RunnerClient(ra.UUID, ra.Token).FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			requireCode(t, err, connect.CodeUnauthenticated, "a runner of one server is unknown to the other")

			// Both runners hold a poll; a job queued on a wakes a's alone.
			got := map[string]chan *runnerv1.Task{"a": holdPoll(t, ra), "z": holdPoll(t, rz)}
			require.Eventually(t, func() bool { return a.Actions.WaitingPolls() == 1 && z.Actions.WaitingPolls() == 1 },
				10*time.Second, 5*time.Millisecond)
			aJob := a.QueueJobs(t, a.CreateRepo(t, "octo", "app"), []string{"linux"})[0]
			task := <-got["a"]
			require.NotNil(t, task, "a's held poll is handed a's job")
			assert.Equal(t, aJob, taskJobID(t, a, task.Id))
			assert.Equal(t, 1, z.Actions.WaitingPolls(), "z's poll still waits: a's queue is not z's")

			zJob := z.QueueJobs(t, z.CreateRepo(t, "octo", "app"), []string{"linux"})[0]
			task = <-got["z"]
			require.NotNil(t, task)
			assert.Equal(t, zJob, taskJobID(t, z, task.Id))

			// Each server's metrics count its own fleet.
			assert.Contains(t, scrape(t, a), "runnerhub_runners 1\n")
			assert.Contains(t, scrape(t, z), "runnerhub_runners 1\n")
			z.Register(t, z.RegistrationToken(t, identity.InstanceScope), "z-second", []string{"linux"}, false)
			assert.Contains(t, scrape(t, a), "runnerhub_runners 1\n")
			assert.Contains(t, scrape(t, z), "runnerhub_runners 2\n")
		})
	}
}

func holdPoll(t *testing.T, r *testserver.Runner) chan *runnerv1.Task {
	first, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
	require.NoError(t, err)
	require.Nil(t, first.Msg.Task)
	out := make(chan *runnerv1.Task, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := r.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: first.Msg.TasksVersion}))
		if err != nil {
			t.Error(err)
			out <- nil
			return
		}
		out <- res.Msg.Task
	}()
	return out
}

func taskJobID(t *testing.T, s *testserver.Server, taskID int64) int64 {
	var jobID int64
	_, err := s.Engine.SQL("SELECT job_id FROM action_task WHERE id = ?", taskID).Get(&jobID)
	require.NoError(t, err)
	return jobID
}

func scrape(t *testing.T, s *testserver.Server) string {
	res, err := http.Get(s.URL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

func requireCode(t *testing.T, err error, code connect.Code, msg string) {
	t.Helper()
	var ce *connect.Error
	require.True(t, errors.As(err, &ce), "not a connect error: %v", err)
	require.Equal(t, code, ce.Code(), "%s: %v", msg, err)
}

// TestNew_RefusesAnUnmigratedDatabase: New checks the schema before wiring.
func TestNew_RefusesAnUnmigratedDatabase(t *testing.T) {
	x := dbtest.Backends()[0].NewEngine(t)
	o := options.Default()
	o.Server.RootURL, o.Security.SecretKey = "http://127.0.0.1/", "k"
	_, err := newServer(x, o)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "migrate"), err.Error())
}

func newServer(x *xorm.Engine, o *options.Options) (*runnerhub.Server, error) {
	return runnerhub.New(context.Background(), runnerhub.Config{Engine: x, Options: o})
}

// TestNew_RefusesAnEngineWithAnotherMapper: xorm's default SnakeMapper
// names OwnerID "owner_i_d"; every query would fail later, so New refuses.
func TestNew_RefusesAnEngineWithAnotherMapper(t *testing.T) {
	x, err := xorm.NewEngine("sqlite3", filepath.Join(t.TempDir(), "snake.db"))
	require.NoError(t, err)
	defer x.Close()
	o := options.Default()
	o.Server.RootURL, o.Security.SecretKey = "http://127.0.0.1/", "k"
	_, err = newServer(x, o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GonicMapper")
}
