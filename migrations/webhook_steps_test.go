package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

// versionBefore is the step that precedes v in the list, whatever other
// steps were added around it.
func versionBefore(t *testing.T, v int64) int64 {
	var prev int64
	for _, s := range migrations.Versions() {
		if s >= v {
			break
		}
		prev = s
	}
	require.NotZero(t, prev, "no step before %d", v)
	return prev
}

func TestV0007_AddsIfConditionToExistingJobs(t *testing.T) {
	eachBackendAt(t, versionBefore(t, 7), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_run_job (run_id, owner_id, repo_id, job_id, label_key, status) VALUES (?, ?, ?, ?, ?, ?)", 1, 1, 1, "build", "k", 5)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 7))
		rows, err := x.QueryString("SELECT job_id, if_condition FROM action_run_job")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "build", rows[0]["job_id"])
		assert.Empty(t, rows[0]["if_condition"], "an existing job has no condition")
		_, err = x.Exec("UPDATE action_run_job SET if_condition = ?", "${{ always() }}")
		require.NoError(t, err)
		tables, err := x.DBMetas()
		require.NoError(t, err)
		for _, tb := range tables {
			if tb.Name == "action_run_job" {
				_, claim := tb.Indexes["idx_action_run_job_claim"]
				_, trimmed := tb.Indexes["claim"]
				assert.True(t, claim || trimmed, "adding the column keeps the claim index: %v", tb.Indexes)
				assert.Contains(t, tb.Indexes, "run_id", "and the tag indexes")
			}
		}
	})
}

func TestV0008_CreatesWebhookTable(t *testing.T) {
	eachBackendAt(t, 8, func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO webhook (owner_id, repo_id, type, url, content_type, secret_cipher, events, is_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			1, 2, "gitea", "https://example.com/hook", "json", "sealed", `["workflow_job"]`, true)
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT url, events, is_active FROM webhook WHERE repo_id = 2")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "https://example.com/hook", rows[0]["url"])
		assert.Equal(t, `["workflow_job"]`, rows[0]["events"])
		assert.Contains(t, []string{"1", "true"}, rows[0]["is_active"])
	})
}

func TestV0009_CreatesHookTaskOutbox(t *testing.T) {
	eachBackendAt(t, 9, func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO hook_task (hook_id, job_id, delivery_uuid, event, action, payload, status, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			1, 7, "6c9d4d3e-0000-4000-8000-000000000001", "workflow_job", "queued", `{"action":"queued"}`, 1, 1700000000000)
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT delivery_uuid, attempts, lease_until, next_attempt FROM hook_task WHERE hook_id = 1 AND job_id = 7")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "0", rows[0]["attempts"])
		assert.Equal(t, "0", rows[0]["lease_until"])
		assert.Equal(t, "1700000000000", rows[0]["next_attempt"], "milliseconds fit the column")
	})
}
