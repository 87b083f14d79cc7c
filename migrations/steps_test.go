package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// eachBackendAt runs fn on a database migrated to v, on every backend in turn.
func eachBackendAt(t *testing.T, v int64, fn func(t *testing.T, x *xorm.Engine)) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := b.NewEngine(t)
			require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, v))
			fn(t, x)
		})
	}
}

func TestV0001_CreatesTablesAndClaimIndex(t *testing.T) {
	eachBackendAt(t, 1, func(t *testing.T, x *xorm.Engine) {
		for _, table := range []string{"user", "repository", "action_runner", "action_runner_token", "action_run",
			"action_run_job", "action_task", "action_task_step", "action_task_output", "action_log_chunk",
			"action_tasks_version", "action_label_set"} {
			ok, err := x.IsTableExist(table)
			require.NoError(t, err)
			assert.True(t, ok, table)
		}
		tables, err := x.DBMetas()
		require.NoError(t, err)
		for _, tb := range tables {
			if tb.Name == "action_run_job" {
				idx, ok := tb.Indexes["idx_action_run_job_claim"]
				if !ok {
					idx, ok = tb.Indexes["claim"] // xorm trims the table prefix on some drivers
				}
				require.True(t, ok, "claim index: %v", tb.Indexes)
				assert.Equal(t, []string{"status", "label_key", "id"}, idx.Cols)
			}
		}
	})
}

func TestV0002_AddsEphemeralFalseToExistingRunners(t *testing.T) {
	eachBackendAt(t, 1, func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_runner (uuid, name, token_hash) VALUES (?, ?, ?)", "u-1", "old", "h")
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 2))
		rows, err := x.QueryString("SELECT name, ephemeral FROM action_runner")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "old", rows[0]["name"])
		assert.Contains(t, []string{"0", "false"}, rows[0]["ephemeral"])
	})
}

func TestV0003_AddsCapabilitiesToExistingRunners(t *testing.T) {
	eachBackendAt(t, 2, func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_runner (uuid, name, token_hash, ephemeral) VALUES (?, ?, ?, ?)", "u-1", "old", "h", true)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 3))
		_, err = x.Exec("UPDATE action_runner SET capabilities = ? WHERE uuid = ?", `["cancelling"]`, "u-1")
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT capabilities FROM action_runner")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, `["cancelling"]`, rows[0]["capabilities"])
	})
}

// TestLatest_KeepsUniqueKeys guards against a step that drops keys while
// adding columns: the unique keys the code relies on still refuse duplicates.
func TestLatest_KeepsUniqueKeys(t *testing.T) {
	eachBackendAt(t, migrations.Latest(), func(t *testing.T, x *xorm.Engine) {
		dup := func(stmt string, args ...any) {
			t.Helper()
			_, err := x.Exec(append([]any{stmt}, args...)...)
			require.NoError(t, err)
			_, err = x.Exec(append([]any{stmt}, args...)...)
			assert.Error(t, err, "a second %q must break a unique key", stmt)
		}
		dup("INSERT INTO action_runner (uuid, name, token_hash) VALUES (?, ?, ?)", "u-1", "r", "h")
		dup("INSERT INTO "+x.Quote("user")+" (lower_name, name) VALUES (?, ?)", "octo", "octo")
		dup("INSERT INTO action_task_output (task_id, output_key) VALUES (?, ?)", 1, "k")
		dup("INSERT INTO action_log_chunk (task_id, first_index, row_count) VALUES (?, ?, ?)", 1, 0, 1)
		dup("INSERT INTO action_tasks_version (owner_id, repo_id) VALUES (?, ?)", 0, 0)
	})
}
