package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0019_MovesWebhookTablesKeepingRowsAndIDs(t *testing.T) {
	eachBackendAt(t, versionBefore(t, 19), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO webhook (id, owner_id, repo_id, type, url, content_type, secret_cipher, events, is_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			7, 1, 2, "gitea", "https://example.com/hook", "json", "sealed", `["workflow_job"]`, true)
		require.NoError(t, err)
		_, err = x.Exec("INSERT INTO hook_task (id, hook_id, job_id, delivery_uuid, event, action, payload, status, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			11, 7, 3, "6c9d4d3e-0000-4000-8000-000000000001", "workflow_job", "queued", `{}`, 1, 1700000000000)
		require.NoError(t, err)

		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 19))

		for _, old := range []string{"webhook", "hook_task"} {
			ok, err := x.IsTableExist(old)
			require.NoError(t, err)
			assert.False(t, ok, "%s is gone", old)
		}
		rows, err := x.QueryString("SELECT id, url, secret_cipher FROM action_webhook")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "7", rows[0]["id"])
		assert.Equal(t, "sealed", rows[0]["secret_cipher"])
		rows, err = x.QueryString("SELECT id, hook_id, next_attempt FROM action_hook_task")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "11", rows[0]["id"])
		assert.Equal(t, "1700000000000", rows[0]["next_attempt"])

		// A new row gets an id past the moved ones (PostgreSQL's sequence was moved on).
		_, err = x.Exec("INSERT INTO action_webhook (owner_id, repo_id, type, url, content_type, is_active) VALUES (?, ?, ?, ?, ?, ?)",
			1, 0, "gitea", "https://example.com/2", "json", true)
		require.NoError(t, err)
		var ids []int64
		require.NoError(t, x.SQL("SELECT id FROM action_webhook ORDER BY id").Find(&ids))
		assert.Equal(t, []int64{7, 8}, ids)
	})
}

// TestV0019_LeavesGiteasTablesOfTheSameNameAlone: a database shared with
// Gitea has Gitea's "webhook" and "hook_task"; the step must not move them.
func TestV0019_LeavesGiteasTablesOfTheSameNameAlone(t *testing.T) {
	eachBackendAt(t, versionBefore(t, 19), func(t *testing.T, x *xorm.Engine) {
		// Stand-ins for Gitea's tables: Runnerhub's are moved away first.
		for _, s := range []string{"DROP TABLE webhook", "DROP TABLE hook_task",
			"CREATE TABLE webhook (id BIGINT PRIMARY KEY, repo_id BIGINT, url TEXT, secret TEXT)",
			"CREATE TABLE hook_task (id BIGINT PRIMARY KEY, hook_id BIGINT, uuid VARCHAR(40), is_delivered BOOLEAN)",
			"INSERT INTO webhook (id, repo_id, url, secret) VALUES (1, 2, 'https://gitea.example/hook', 's')",
		} {
			_, err := x.Exec(s)
			require.NoError(t, err, s)
		}
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 19))
		rows, err := x.QueryString("SELECT url, secret FROM webhook")
		require.NoError(t, err)
		require.Len(t, rows, 1, "Gitea's webhook keeps its row")
		assert.Equal(t, "s", rows[0]["secret"])
		ok, err := x.IsTableExist("hook_task")
		require.NoError(t, err)
		assert.True(t, ok)
		n, err := x.Table("action_webhook").Count()
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}

// TestV0019_ResumesAfterACrashBetweenCopyAndDrop: the copy was committed but
// the old table not yet dropped; running the step again ends in one copy.
func TestV0019_ResumesAfterACrashBetweenCopyAndDrop(t *testing.T) {
	eachBackendAt(t, versionBefore(t, 19), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO webhook (id, owner_id, repo_id, type, url, content_type, is_active) VALUES (?, ?, ?, ?, ?, ?, ?)",
			3, 1, 0, "gitea", "https://example.com/hook", "json", true)
		require.NoError(t, err)
		// What the crashed run left: the new table with the copied row.
		require.NoError(t, x.Sync(new(actionWebhook19)))
		_, err = x.Exec("INSERT INTO action_webhook (id, owner_id, repo_id, type, url, content_type, is_active) VALUES (?, ?, ?, ?, ?, ?, ?)",
			3, 1, 0, "gitea", "https://example.com/hook", "json", true)
		require.NoError(t, err)

		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 19))
		n, err := x.Table("action_webhook").Count()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
	})
}

// actionWebhook19 is the table step 19 creates, as a crashed run left it.
type actionWebhook19 struct {
	ID          int64  `xorm:"pk autoincr"`
	OwnerID     int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID      int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	Type        string `xorm:"VARCHAR(16) NOT NULL"`
	URL         string `xorm:"TEXT NOT NULL"`
	ContentType string `xorm:"VARCHAR(16) NOT NULL"`
	IsActive    bool   `xorm:"NOT NULL DEFAULT true"`
}

func (actionWebhook19) TableName() string { return "action_webhook" }

func TestV0020_AddsEmptyLegacyColumnsToExistingRows(t *testing.T) {
	eachBackendAt(t, versionBefore(t, 20), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO action_runner (uuid, name, token_hash) VALUES (?, ?, ?)", "u-1", "r", "h")
		require.NoError(t, err)
		_, err = x.Exec("INSERT INTO action_task (job_id, run_id, runner_id, owner_id, repo_id, status) VALUES (?, ?, ?, ?, ?, ?)", 1, 1, 1, 1, 1, 1)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 20))
		rows, err := x.QueryString("SELECT legacy_token_hash FROM action_runner")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Empty(t, rows[0]["legacy_token_hash"])
		rows, err = x.QueryString("SELECT legacy_log_filename FROM action_task")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Empty(t, rows[0]["legacy_log_filename"])
		assertClaimIndexKept(t, x)
		dupRunner := "INSERT INTO action_runner (uuid, name, token_hash) VALUES ('u-1', 'again', 'h2')"
		_, err = x.Exec(dupRunner)
		assert.Error(t, err, "the uuid stays unique")
	})
}
