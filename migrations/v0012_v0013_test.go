package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0012_AddsQueuedTimeToWaitingJobs(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 12), func(t *testing.T, x *xorm.Engine) {
		insert := "INSERT INTO action_run_job (run_id, owner_id, repo_id, job_id, label_key, status, updated) VALUES (?, ?, ?, ?, ?, ?, ?)"
		_, err := x.Exec(insert, 1, 1, 1, "waiting", "k", 5, 1700000000)
		require.NoError(t, err)
		_, err = x.Exec(insert, 1, 1, 1, "done", "k", 1, 1700000100)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 12))
		rows, err := x.QueryString("SELECT job_id, queued FROM action_run_job ORDER BY id")
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Equal(t, "1700000000", rows[0]["queued"], "a waiting job has waited since it was last written")
		assert.Equal(t, "0", rows[1]["queued"], "a finished job is not waiting")
		assertClaimIndexKept(t, x)
	})
}

// stepBefore is the version of the step listed just before v.
func stepBefore(t *testing.T, v int64) int64 {
	t.Helper()
	vs := migrations.Versions()
	for i, s := range vs {
		if s == v && i > 0 {
			return vs[i-1]
		}
	}
	t.Fatalf("no step before %d", v)
	return 0
}

// assertClaimIndexKept checks that adding a column left the job table's indexes alone.
func assertClaimIndexKept(t *testing.T, x *xorm.Engine) {
	t.Helper()
	tables, err := x.DBMetas()
	require.NoError(t, err)
	for _, tb := range tables {
		if tb.Name == "action_run_job" {
			_, claim := tb.Indexes["idx_action_run_job_claim"]
			_, trimmed := tb.Indexes["claim"]
			assert.True(t, claim || trimmed, "the claim index is kept: %v", tb.Indexes)
		}
	}
}

func TestV0013_CreatesAuditTable(t *testing.T) {
	eachBackendAt(t, 13, func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_audit (owner_id, repo_id, actor_id, actor, action, target_type, target_id, target_name, remote_addr, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			7, 0, 1, "alice", "runner.deleted", "runner", 3, "build-1", "192.0.2.10", 1700000000)
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT actor, action, target_name, remote_addr, detail FROM action_audit WHERE owner_id = 7 AND repo_id = 0")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "alice", rows[0]["actor"])
		assert.Equal(t, "runner.deleted", rows[0]["action"])
		assert.Equal(t, "192.0.2.10", rows[0]["remote_addr"])
		tables, err := x.DBMetas()
		require.NoError(t, err)
		for _, tb := range tables {
			if tb.Name == "action_audit" {
				idx, ok := tb.Indexes["IDX_action_audit_scope"]
				if !ok {
					idx, ok = tb.Indexes["scope"]
				}
				require.True(t, ok, "the scope index lists a scope's events: %v", tb.Indexes)
				assert.Equal(t, []string{"owner_id", "repo_id"}, idx.Cols)
			}
		}
	})
}
