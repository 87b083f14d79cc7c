package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0025_CreatesDefaultGroupsForExistingRunners(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 25), func(t *testing.T, x *xorm.Engine) {
		insert := "INSERT INTO action_runner (uuid, name, token_hash, owner_id, repo_id) VALUES (?, ?, ?, ?, ?)"
		for _, r := range []struct {
			uuid          string
			owner, repoID int64
		}{{"instance", 0, 0}, {"org5", 5, 0}, {"org5-too", 5, 0}, {"repo", 5, 7}, {"org9", 9, 0}} {
			_, err := x.Exec(insert, r.uuid, r.uuid, "h", r.owner, r.repoID)
			require.NoError(t, err)
		}
		_, err := x.Exec("INSERT INTO action_runner_token (name, token_hash, owner_id) VALUES (?, ?, ?)", "default", "th", 5)
		require.NoError(t, err)
		_, err = x.Exec("INSERT INTO action_tasks_version (owner_id, repo_id, version) VALUES (?, ?, ?)", 5, 0, 42)
		require.NoError(t, err)

		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 25))

		groups, err := x.QueryString("SELECT id, owner_id, name, lower_name, visibility, is_default FROM action_runner_group ORDER BY owner_id")
		require.NoError(t, err)
		require.Len(t, groups, 3, "one default group each for the instance, owner 5 and owner 9")
		byOwner := map[string]string{}
		for i, g := range groups {
			assert.Equal(t, []string{"0", "5", "9"}[i], g["owner_id"])
			assert.Equal(t, "Default", g["name"])
			assert.Equal(t, "default", g["lower_name"])
			assert.Equal(t, "all", g["visibility"])
			assert.Contains(t, []string{"1", "true"}, g["is_default"])
			byOwner[g["owner_id"]] = g["id"]
		}
		runners, err := x.QueryString("SELECT uuid, runner_group_id FROM action_runner")
		require.NoError(t, err)
		want := map[string]string{"instance": byOwner["0"], "org5": byOwner["5"], "org5-too": byOwner["5"], "repo": "0", "org9": byOwner["9"]}
		for _, r := range runners {
			assert.Equal(t, want[r["uuid"]], r["runner_group_id"], "runner %s", r["uuid"])
		}
		rows, err := x.QueryString("SELECT runner_group_id FROM action_runner_token")
		require.NoError(t, err)
		assert.Equal(t, "0", rows[0]["runner_group_id"], "existing tokens are the scope's, not a group's")
		rows, err = x.QueryString("SELECT version, groups_version FROM action_tasks_version WHERE owner_id = 5")
		require.NoError(t, err)
		assert.Equal(t, "42", rows[0]["version"])
		assert.Equal(t, "0", rows[0]["groups_version"])

		// A scope has one group of a name, whatever its case.
		_, err = x.Exec("INSERT INTO action_runner_group (owner_id, lower_name, name) VALUES (?, ?, ?)", 5, "default", "DEFAULT")
		assert.Error(t, err)
		_, err = x.Exec("INSERT INTO action_runner_group (owner_id, lower_name, name) VALUES (?, ?, ?)", 6, "default", "Default")
		assert.NoError(t, err, "another owner may use the name")
		for _, stmt := range []string{
			"INSERT INTO action_runner_group_target (group_id, owner_id, repo_id) VALUES (1, 5, 7)",
			"INSERT INTO action_runner_group_manager (group_id, user_id) VALUES (1, 3)",
		} {
			_, err = x.Exec(stmt)
			require.NoError(t, err)
			_, err = x.Exec(stmt)
			assert.Error(t, err, "a second %q must break a unique key", stmt)
		}

		tables, err := x.DBMetas()
		require.NoError(t, err)
		for _, tb := range tables {
			if tb.Name != "action_runner" {
				continue
			}
			idx, ok := tb.Indexes["idx_action_runner_runner_group_id"]
			if !ok {
				idx, ok = tb.Indexes["runner_group_id"] // xorm trims the table prefix on some drivers
			}
			require.True(t, ok, "runners are indexed by group: %v", tb.Indexes)
			assert.Equal(t, []string{"runner_group_id"}, idx.Cols)
			_, uuidKept := tb.Indexes["UQE_action_runner_uuid"]
			if !uuidKept {
				_, uuidKept = tb.Indexes["uuid"]
			}
			assert.True(t, uuidKept, "adding the column kept the runner's keys: %v", tb.Indexes)
		}
	})
}
