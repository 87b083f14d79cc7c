package actions_test

import (
	"bytes"
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// errKinds are the kinds a refused call may carry; anything else is a fault.
var errKinds = []error{errs.InvalidArgument, errs.NotFound, errs.PermissionDenied, errs.FailedPrecondition, errs.ResourceExhausted}

// FuzzUpdateLog sends two UpdateLog calls with arbitrary indexes, rows and
// no_more flags to a fresh task. A call either is refused with a clear kind
// and changes nothing, or stores exactly the rows not stored yet and
// answers how many rows the log holds: the stored log never loses, reorders
// or repeats a row.
func FuzzUpdateLog(f *testing.F) {
	x := dbtest.Backends()[0].NewEngine(f)
	ctx := db.WithEngine(context.Background(), x)
	require.NoError(f, migrations.Migrate(ctx, x, migrations.Standalone))
	box, err := secret.NewBox("fuzz-key")
	require.NoError(f, err)
	svc := actions_service.New(options.Default(), box)
	u := &user_model.User{Name: "octo"}
	require.NoError(f, user_model.CreateUser(ctx, u))
	repo := &repo_model.Repository{OwnerID: u.ID, Name: "app"}
	require.NoError(f, repo_model.CreateRepository(ctx, repo))
	tok, err := svc.DefaultRegistrationToken(ctx, identity.InstanceScope)
	require.NoError(f, err)
	reg, err := svc.Register(ctx, actions_service.RegisterInput{Name: "r", RegistrationToken: tok, Labels: []string{"linux"}})
	require.NoError(f, err)
	runner := reg.Runner

	f.Add(int64(0), []byte("a\nb\nc"), false, int64(1), []byte("b\nc\nd"), true)
	f.Add(int64(0), []byte(""), true, int64(0), []byte("late"), false)
	f.Add(int64(-1), []byte("x"), false, int64(5), []byte("gap"), false)
	f.Add(int64(0), bytes.Repeat([]byte("y"), 70000), false, int64(1<<62), []byte("z"), true)

	f.Fuzz(func(t *testing.T, i1 int64, rows1 []byte, close1 bool, i2 int64, rows2 []byte, close2 bool) {
		_, _, err := svc.CreateRun(ctx, actions_service.RunInput{OwnerID: u.ID, RepoID: repo.ID, Jobs: []actions_service.JobInput{
			{JobID: "j", Name: "j", RunsOn: []string{"linux"}, WorkflowPayload: []byte("jobs: {j: {runs-on: linux}}")},
		}})
		require.NoError(t, err)
		res, err := svc.FetchTask(ctx, runner, 0)
		require.NoError(t, err)
		require.NotNil(t, res.Task)
		taskID := res.Task.Task.ID

		var shadow []string // what the log must hold
		closed := false
		for _, call := range []struct {
			index  int64
			rows   []byte
			noMore bool
		}{{i1, rows1, close1}, {i2, rows2, close2}} {
			contents := splitRows(call.rows)
			lines := make([]actions_model.LogLine, len(contents))
			for i, c := range contents {
				lines[i] = actions_model.LogLine{UnixNano: int64(i), Content: c}
			}
			ack, err := svc.UpdateLog(ctx, runner, actions_service.LogInput{TaskID: taskID, Index: call.index, Rows: lines, NoMore: call.noMore})
			if err != nil {
				if !isKind(err) {
					t.Fatalf("refusal of an unknown kind: %v", err)
				}
			} else {
				stored := int64(len(shadow))
				if call.index > stored || call.index < 0 {
					t.Fatalf("accepted rows at %d with %d stored", call.index, stored)
				}
				for i := stored - call.index; i < int64(len(contents)); i++ {
					if closed {
						t.Fatalf("rows appended to a closed log")
					}
					shadow = append(shadow, contents[i])
				}
				closed = closed || call.noMore
				if ack != int64(len(shadow)) {
					t.Fatalf("ack_index %d, log holds %d", ack, len(shadow))
				}
			}
			got, err := svc.ReadLog(ctx, taskID, 0, len(shadow)+10)
			require.NoError(t, err)
			if len(got) != len(shadow) {
				t.Fatalf("log holds %d rows, want %d", len(got), len(shadow))
			}
			for i := range got {
				if got[i].Content != shadow[i] {
					t.Fatalf("row %d is %q, want %q", i, got[i].Content, shadow[i])
				}
			}
		}
	})
}

// splitRows makes up to 20 rows of the fuzzer's bytes.
func splitRows(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	parts := bytes.SplitN(b, []byte("\n"), 20)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

func isKind(err error) bool {
	for _, k := range errKinds {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}
