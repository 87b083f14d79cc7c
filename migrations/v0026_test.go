package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0026_AddsRetryLinkAndPendingHookIndex(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 26), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_run_job (run_id, owner_id, repo_id, job_id, label_key, status) VALUES (?, ?, ?, ?, ?, ?)", 1, 1, 1, "build", "k", 5)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 26))

		rows, err := x.QueryString("SELECT retry_of FROM action_run_job")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "0", rows[0]["retry_of"], "a job that was there is no retry")
		assertClaimIndexKept(t, x)

		tables, err := x.DBMetas()
		require.NoError(t, err)
		var found bool
		for _, tb := range tables {
			if tb.Name != "action_hook_task" {
				continue
			}
			idx, ok := tb.Indexes["idx_action_hook_task_pending_hook"]
			if !ok {
				idx, ok = tb.Indexes["pending_hook"]
			}
			require.True(t, ok, "the pending-by-webhook index is there: %v", tb.Indexes)
			assert.Equal(t, []string{"status", "hook_id", "id"}, idx.Cols)
			found = true
		}
		assert.True(t, found, "action_hook_task exists")
	})
}
