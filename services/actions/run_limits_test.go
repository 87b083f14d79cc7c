package actions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// newServiceWith builds the service with options changed by configure.
func newServiceWith(t *testing.T, configure func(*options.Options)) *actions_service.Service {
	t.Helper()
	box, err := secret.NewBox("unit-test-key")
	require.NoError(t, err)
	o := options.Default()
	configure(o)
	return actions_service.New(o, box)
}

// countRows counts a table's rows.
func countRows(t *testing.T, ctx context.Context, bean any) int64 {
	t.Helper()
	n, err := db.GetEngine(ctx).Count(bean)
	require.NoError(t, err)
	return n
}

// TestCreateRun_PayloadBytesCapped: a host that builds its own jobs is held
// to MAX_RUN_PAYLOAD_BYTES too; the refusal names it and stores nothing.
func TestCreateRun_PayloadBytesCapped(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newServiceWith(t, func(o *options.Options) { o.Actions.MaxRunPayloadBytes = 1000 })
		job := func(id string, size int) actions_service.JobInput {
			return actions_service.JobInput{JobID: id, Name: id, RunsOn: []string{"linux"}, WorkflowPayload: []byte(strings.Repeat("#", size))}
		}
		_, _, err := svc.CreateRun(ctx, actions_service.RunInput{OwnerID: 1, RepoID: 1, Jobs: []actions_service.JobInput{job("a", 600), job("b", 401)}})
		require.ErrorIs(t, err, errs.InvalidArgument)
		assert.Contains(t, err.Error(), "1001 bytes")
		assert.Contains(t, err.Error(), "MAX_RUN_PAYLOAD_BYTES")
		assert.Zero(t, countRows(t, ctx, new(actions_model.Run)))
		assert.Zero(t, countRows(t, ctx, new(actions_model.RunJob)))

		_, jobs, err := svc.CreateRun(ctx, actions_service.RunInput{OwnerID: 1, RepoID: 1, Jobs: []actions_service.JobInput{job("a", 600), job("b", 400)}})
		require.NoError(t, err, "exactly the limit is allowed")
		assert.Len(t, jobs, 2)
	})
}
