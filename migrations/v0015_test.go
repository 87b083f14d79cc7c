package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0015_CountsOutputsOfRunningTasksAndIndexesOwnerSets(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 15), func(t *testing.T, x *xorm.Engine) {
		task := "INSERT INTO action_task (id, job_id, run_id, runner_id, owner_id, repo_id, status) VALUES (?, 1, 1, 1, 1, 1, ?)"
		_, err := x.Exec(task, 1, 6) // running
		require.NoError(t, err)
		_, err = x.Exec(task, 2, 1) // finished
		require.NoError(t, err)
		out := "INSERT INTO action_task_output (task_id, output_key, output_value) VALUES (?, ?, ?)"
		for _, o := range []struct {
			task       int64
			key, value string
		}{{1, "a", "xyz"}, {1, "bé", "ü"}, {2, "c", "12345"}} {
			_, err = x.Exec(out, o.task, o.key, o.value)
			require.NoError(t, err)
		}
		_, err = x.Exec("INSERT INTO action_label_set (label_key, labels) VALUES (?, ?)", "k", `["linux"]`)
		require.NoError(t, err)

		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 15))

		rows, err := x.QueryString("SELECT id, output_size, output_count FROM action_task ORDER BY id")
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Equal(t, "9", rows[0]["output_size"], "a running task's outputs counted in bytes: a (1), xyz (3), bé (3), ü (2)")
		assert.Equal(t, "2", rows[0]["output_count"])
		assert.Equal(t, "0", rows[1]["output_size"], "a finished task takes no more outputs")
		sets, err := x.QueryString("SELECT label_key, last_used FROM action_label_set")
		require.NoError(t, err)
		require.Len(t, sets, 1)
		assert.Equal(t, "0", sets[0]["last_used"], "an existing set counts as long unused; the maintenance loop checks jobs before removing it")

		tables, err := x.DBMetas()
		require.NoError(t, err)
		found := false
		for _, tb := range tables {
			if tb.Name != "action_run_job" {
				continue
			}
			idx, ok := tb.Indexes["idx_action_run_job_owner_sets"]
			if !ok {
				idx, ok = tb.Indexes["owner_sets"] // xorm trims the table prefix on some drivers
			}
			require.True(t, ok, "owner label set index: %v", tb.Indexes)
			assert.Equal(t, []string{"owner_id", "status", "label_key"}, idx.Cols)
			found = true
		}
		assert.True(t, found)
		assertClaimIndexKept(t, x)
	})
}
