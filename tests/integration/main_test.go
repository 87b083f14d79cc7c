// Package integration drives the whole Runnerhub server on a loopback port
// with the protocol's own client, as act_runner does, on every configured
// database.
package integration

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"errors"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// eachBackend runs fn against a fresh server on every configured database.
func eachBackend(t *testing.T, fn func(t *testing.T, s *testserver.Server), configure ...func(*options.Options)) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, testserver.Start(t, b, configure...))
		})
	}
}

// requireCode asserts err is a connect error with code.
func requireCode(t *testing.T, err error, code connect.Code, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	var ce *connect.Error
	require.True(t, errors.As(err, &ce), "not a connect error: %v", err)
	require.Equal(t, code, ce.Code(), "error: %v", err)
}

// instanceRunner registers a runner for the whole instance.
func instanceRunner(t *testing.T, s *testserver.Server, name string, ephemeral bool, labels ...string) *testserver.Runner {
	t.Helper()
	if len(labels) == 0 {
		labels = []string{"ubuntu-latest"}
	}
	return s.Register(t, s.RegistrationToken(t, identity.InstanceScope), name, labels, ephemeral)
}

// fetch polls once with tasks_version 0, so the server always looks for a job.
func fetch(t *testing.T, r *testserver.Runner) *runnerv1.Task {
	t.Helper()
	res, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
	require.NoError(t, err)
	return res.Msg.Task
}

// finish reports a final result for the task.
func finish(t *testing.T, r *testserver.Runner, taskID int64, result runnerv1.Result) *runnerv1.UpdateTaskResponse {
	t.Helper()
	res, err := r.Client.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{
		State: &runnerv1.TaskState{Id: taskID, Result: result, StoppedAt: timestamppb.New(time.Now())},
	}))
	require.NoError(t, err)
	return res.Msg
}

// logRows makes n rows with recognizable content.
func logRows(prefix string, n int) []*runnerv1.LogRow {
	rows := make([]*runnerv1.LogRow, n)
	for i := range rows {
		rows[i] = &runnerv1.LogRow{Time: timestamppb.Now(), Content: prefix + string(rune('a'+i%26))}
	}
	return rows
}
