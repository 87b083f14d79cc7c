package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0018_CreatesQueueSamplesWrittenOncePerBucket(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 18), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_run_job (run_id, owner_id, repo_id, job_id, label_key, status, started) VALUES (?, ?, ?, ?, ?, ?, ?)", 1, 2, 3, "build", "k", 6, 1700000000)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 18))

		insert := "INSERT INTO action_queue_sample (bucket, owner_id, repo_id, waiting, oldest_wait, picked, wait_sum, wait_max) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		_, err = x.Exec(insert, 1700000040, 2, 3, 4, 30, 2, 10, 7)
		require.NoError(t, err)
		_, err = x.Exec(insert, 1700000040, 0, 0, 4, 30, 2, 10, 7)
		require.NoError(t, err, "the instance's row of the same bucket")
		_, err = x.Exec(insert, 1700000040, 2, 3, 5, 31, 2, 10, 7)
		assert.Error(t, err, "a second row for one bucket and repository is refused")

		tables, err := x.DBMetas()
		require.NoError(t, err)
		var found int
		for _, tb := range tables {
			switch tb.Name {
			case "action_run_job":
				idx, ok := tb.Indexes["idx_action_run_job_started"]
				if !ok {
					idx, ok = tb.Indexes["started"] // xorm trims the table prefix on some drivers
				}
				if assert.True(t, ok, "index by start: %v", tb.Indexes) {
					assert.Equal(t, []string{"started"}, idx.Cols)
					found++
				}
			case "action_queue_sample":
				found++
			}
		}
		assert.Equal(t, 2, found)
		rows, err := x.QueryString("SELECT job_id FROM action_run_job WHERE started >= ?", 1700000000)
		require.NoError(t, err)
		assert.Len(t, rows, 1, "the existing job is found through the new index")
	})
}
