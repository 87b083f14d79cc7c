package integration

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

func TestFetchTask_FullFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false, "ubuntu-latest:host", "linux")
		ctx := context.Background()

		// Nothing queued: the answer is empty, with the scope's version.
		res, err := r.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		require.NoError(t, err)
		assert.Nil(t, res.Msg.Task)

		jobIDs := s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		res, err = r.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: res.Msg.TasksVersion}))
		require.NoError(t, err)
		task := res.Msg.Task
		require.NotNil(t, task, "a new version means a new job")
		assert.Contains(t, string(task.WorkflowPayload), "job0:")
		c := task.Context.AsMap()
		assert.Equal(t, "octo/app", c["repository"])
		assert.Equal(t, "push", c["event_name"])
		assert.Equal(t, "refs/heads/main", c["ref"])
		assert.Equal(t, "main", c["ref_name"])
		assert.NotEmpty(t, c["gitea_runtime_token"])
		assert.Equal(t, c["token"], task.Secrets["GITHUB_TOKEN"])
		assert.Equal(t, c["token"], task.Secrets["GITEA_TOKEN"])

		// The runner now knows the latest version: a poll is answered without a task.
		res, err = r.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: res.Msg.TasksVersion}))
		require.NoError(t, err)
		assert.Nil(t, res.Msg.Task)

		lres, err := r.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Index: 0, Rows: logRows("line-", 3)}))
		require.NoError(t, err)
		assert.Equal(t, int64(3), lres.Msg.AckIndex)

		ures, err := r.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{
			State: &runnerv1.TaskState{Id: task.Id, StartedAt: timestamppb.Now(), Steps: []*runnerv1.StepState{
				{Id: 0, Result: runnerv1.Result_RESULT_SUCCESS, StartedAt: timestamppb.Now(), StoppedAt: timestamppb.Now(), LogIndex: 0, LogLength: 3},
			}},
			Outputs: map[string]string{"version": "1.2.3"},
		}))
		require.NoError(t, err)
		assert.Equal(t, runnerv1.Result_RESULT_UNSPECIFIED, ures.Msg.State.Result, "a running task's answer has no result")
		assert.Equal(t, []string{"version"}, ures.Msg.SentOutputs)

		// First write wins per output key.
		ures, err = r.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{
			State: &runnerv1.TaskState{Id: task.Id}, Outputs: map[string]string{"version": "9.9.9", "other": "x"},
		}))
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"version", "other"}, ures.Msg.SentOutputs)
		outs, err := actions_model.GetTaskOutputs(s.Ctx, task.Id)
		require.NoError(t, err)
		assert.Equal(t, "1.2.3", outs[0].OutputValue)

		final := finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS)
		assert.Equal(t, runnerv1.Result_RESULT_SUCCESS, final.State.Result)
		job, err := actions_model.GetRunJobByID(s.Ctx, jobIDs[0])
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusSuccess, job.Status)
		run, err := actions_model.GetRunByID(s.Ctx, job.RunID)
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusSuccess, run.Status)
		steps, err := actions_model.GetTaskSteps(s.Ctx, task.Id)
		require.NoError(t, err)
		require.Len(t, steps, 1)
		assert.Equal(t, actions_model.StatusSuccess, steps[0].Status)
		assert.Equal(t, int64(3), steps[0].LogLength)

		// A repeated final report is harmless and cannot change the result.
		again := finish(t, r, task.Id, runnerv1.Result_RESULT_FAILURE)
		assert.Equal(t, runnerv1.Result_RESULT_SUCCESS, again.State.Result)
	})
}

func TestFetchTask_MatchesLabelsAndScope(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		app := s.CreateRepo(t, "octo", "app")
		lib := s.CreateRepo(t, "octo", "lib")
		other := s.CreateRepo(t, "someone", "else")

		repoRunner := s.Register(t, s.RegistrationToken(t, identity.ScopeOf(app.OwnerID, app.RepoID)), "repo", []string{"ubuntu-latest", "gpu"}, false)
		ownerRunner := s.Register(t, s.RegistrationToken(t, identity.ScopeOf(app.OwnerID, 0)), "owner", []string{"ubuntu-latest", "gpu"}, false)
		windows := instanceRunner(t, s, "win", false, "windows-latest")

		s.QueueJobs(t, other, []string{"ubuntu-latest", "gpu"})
		assert.Nil(t, fetch(t, repoRunner), "a repo runner serves only its repository")
		assert.Nil(t, fetch(t, ownerRunner), "an owner runner serves only its owner's repositories")
		assert.Nil(t, fetch(t, windows), "labels must all match")

		s.QueueJobs(t, lib, []string{"gpu", "ubuntu-latest"})
		assert.Nil(t, fetch(t, repoRunner))
		libTask := fetch(t, ownerRunner)
		require.NotNil(t, libTask)
		assert.Equal(t, "octo/lib", libTask.Context.AsMap()["repository"])

		s.QueueJobs(t, app, []string{"gpu"})
		appTask := fetch(t, repoRunner)
		require.NotNil(t, appTask, "a subset of the runner's labels is enough")
		assert.Equal(t, "octo/app", appTask.Context.AsMap()["repository"])

		s.QueueJobs(t, other, []string{"windows-latest"})
		assert.NotNil(t, fetch(t, windows), "an instance runner serves every repository")
	})
}

func TestFetchTask_OldestFirstAndNeeds(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false)
		_, jobs, err := s.Actions.CreateRun(s.Ctx, actions_service.RunInput{
			OwnerID: repo.OwnerID, RepoID: repo.RepoID, WorkflowID: "ci.yml", Event: "push",
			Jobs: []actions_service.JobInput{
				{JobID: "build", RunsOn: []string{"ubuntu-latest"}, WorkflowPayload: []byte("jobs: {build: {}}")},
				{JobID: "test", RunsOn: []string{"ubuntu-latest"}, Needs: []string{"build"}, WorkflowPayload: []byte("jobs: {test: {}}")},
				{JobID: "lint", RunsOn: []string{"ubuntu-latest"}, WorkflowPayload: []byte("jobs: {lint: {}}")},
			},
		})
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusBlocked, jobs[1].Status)

		first := fetch(t, r)
		require.NotNil(t, first)
		assert.Equal(t, "build", first.Context.AsMap()["job"], "oldest waiting job first")
		_, err = r.Client.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{
			State: &runnerv1.TaskState{Id: first.Id}, Outputs: map[string]string{"artifact": "app.tgz"},
		}))
		require.NoError(t, err)
		second := fetch(t, r)
		require.NotNil(t, second)
		assert.Equal(t, "lint", second.Context.AsMap()["job"], "test is blocked until build ends")
		assert.Nil(t, fetch(t, r))

		finish(t, r, first.Id, runnerv1.Result_RESULT_SUCCESS)
		third := fetch(t, r)
		require.NotNil(t, third)
		assert.Equal(t, "test", third.Context.AsMap()["job"])
		require.Contains(t, third.Needs, "build")
		assert.Equal(t, runnerv1.Result_RESULT_SUCCESS, third.Needs["build"].Result)
		assert.Equal(t, "app.tgz", third.Needs["build"].Outputs["artifact"])
	})
}

func TestFetchTask_FailedNeedSkipsDependents(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false)
		run, jobs, err := s.Actions.CreateRun(s.Ctx, actions_service.RunInput{
			OwnerID: repo.OwnerID, RepoID: repo.RepoID, WorkflowID: "ci.yml", Event: "push",
			Jobs: []actions_service.JobInput{
				{JobID: "a", RunsOn: []string{"ubuntu-latest"}},
				{JobID: "b", RunsOn: []string{"ubuntu-latest"}, Needs: []string{"a"}},
				{JobID: "c", RunsOn: []string{"ubuntu-latest"}, Needs: []string{"b"}},
			},
		})
		require.NoError(t, err)
		task := fetch(t, r)
		require.NotNil(t, task)
		finish(t, r, task.Id, runnerv1.Result_RESULT_FAILURE)
		for _, j := range jobs[1:] {
			got, err := actions_model.GetRunJobByID(s.Ctx, j.ID)
			require.NoError(t, err)
			assert.Equal(t, actions_model.StatusSkipped, got.Status, j.JobID)
		}
		got, err := actions_model.GetRunByID(s.Ctx, run.ID)
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusFailure, got.Status)
		assert.Nil(t, fetch(t, r))
	})
}

func TestUpdate_OnlyTheOwningRunner(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		owner := instanceRunner(t, s, "owner", false)
		intruder := instanceRunner(t, s, "intruder", false)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, owner)
		require.NotNil(t, task)
		ctx := context.Background()
		_, err := owner.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows("mine", 2)}))
		require.NoError(t, err)

		_, err = intruder.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{
			State:   &runnerv1.TaskState{Id: task.Id, Result: runnerv1.Result_RESULT_FAILURE},
			Outputs: map[string]string{"evil": "1"},
		}))
		requireCode(t, err, connect.CodePermissionDenied)
		_, err = intruder.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Index: 2, Rows: logRows("evil", 1), NoMore: true}))
		requireCode(t, err, connect.CodePermissionDenied)

		stored, err := actions_model.GetTaskByID(s.Ctx, task.Id)
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusRunning, stored.Status)
		assert.Equal(t, int64(2), stored.LogLength)
		assert.False(t, stored.LogClosed)
		outs, err := actions_model.GetTaskOutputs(s.Ctx, task.Id)
		require.NoError(t, err)
		assert.Empty(t, outs)

		_, err = owner.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{Id: task.Id + 1000}}))
		requireCode(t, err, connect.CodeNotFound)
		_, err = owner.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id + 1000}))
		requireCode(t, err, connect.CodeNotFound)
		_, err = owner.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{}))
		requireCode(t, err, connect.CodeInvalidArgument)
	})
}

func TestServerCancel_IsFinal(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false)
		jobIDs := s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, r)
		require.NotNil(t, task)
		require.NoError(t, s.Actions.CancelTask(s.Ctx, task.Id))

		res, err := r.Client.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{Id: task.Id}}))
		require.NoError(t, err)
		assert.Equal(t, runnerv1.Result_RESULT_CANCELLED, res.Msg.State.Result, "the runner learns of the cancel")
		// act_runner may still report success after killing the step.
		assert.Equal(t, runnerv1.Result_RESULT_CANCELLED, finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS).State.Result)
		job, err := actions_model.GetRunJobByID(s.Ctx, jobIDs[0])
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusCancelled, job.Status)
	})
}

func TestRunnerTouch_RecordsLastOnline(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		r := instanceRunner(t, s, "r", false)
		before := time.Now().Unix()
		s.Actions.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
		fetch(t, r)
		got, err := actions_model.GetRunnerByUUID(s.Ctx, r.UUID)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, got.LastOnline, before+60)
	})
}
