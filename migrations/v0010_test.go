package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0010_AddsScopedClaimIndexes(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 10), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_run_job (run_id, owner_id, repo_id, job_id, label_key, status) VALUES (?, ?, ?, ?, ?, ?)", 1, 2, 3, "build", "k", 5)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 10))

		tables, err := x.DBMetas()
		require.NoError(t, err)
		var found int
		for _, tb := range tables {
			if tb.Name != "action_run_job" {
				continue
			}
			for name, want := range map[string][]string{
				"claim_owner": {"status", "label_key", "owner_id", "id"},
				"claim_repo":  {"status", "label_key", "repo_id", "id"},
			} {
				idx, ok := tb.Indexes["idx_action_run_job_"+name]
				if !ok {
					idx, ok = tb.Indexes[name] // xorm trims the table prefix on some drivers
				}
				if assert.True(t, ok, "index %s: %v", name, tb.Indexes) {
					assert.Equal(t, want, idx.Cols)
					found++
				}
			}
		}
		assert.Equal(t, 2, found)
		rows, err := x.QueryString("SELECT job_id FROM action_run_job WHERE status = ? AND label_key = ? AND repo_id = ? ORDER BY id", 5, "k", 3)
		require.NoError(t, err)
		assert.Len(t, rows, 1, "the existing job is found through the new index")
	})
}
