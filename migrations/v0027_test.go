package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0027_RepoAdminsBecomeAdminCollaborators(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 27), func(t *testing.T, x *xorm.Engine) {
		for _, ru := range [][3]int64{{7, 3, 1700000000}, {7, 4, 1700000100}, {8, 3, 1700000200}} {
			_, err := x.Exec("INSERT INTO repo_admin (repo_id, user_id, created) VALUES (?, ?, ?)", ru[0], ru[1], ru[2])
			require.NoError(t, err)
		}

		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 27))

		rows, err := x.QueryString("SELECT repo_id, user_id, mode, created FROM repo_collaborator ORDER BY repo_id, user_id")
		require.NoError(t, err)
		require.Len(t, rows, 3)
		for i, want := range [][4]string{{"7", "3", "3", "1700000000"}, {"7", "4", "3", "1700000100"}, {"8", "3", "3", "1700000200"}} {
			assert.Equal(t, want, [4]string{rows[i]["repo_id"], rows[i]["user_id"], rows[i]["mode"], rows[i]["created"]}, "row %d: an admin keeps admin access", i)
		}
		ok, err := x.IsTableExist("repo_admin")
		require.NoError(t, err)
		assert.False(t, ok, "repo_admin is gone")

		_, err = x.Exec("INSERT INTO repo_collaborator (repo_id, user_id, mode) VALUES (7, 3, 1)")
		assert.Error(t, err, "one grant per user and repository")
		_, err = x.Exec("INSERT INTO repo_collaborator (repo_id, user_id) VALUES (9, 3)")
		require.NoError(t, err)
		rows, err = x.QueryString("SELECT mode FROM repo_collaborator WHERE repo_id = 9")
		require.NoError(t, err)
		assert.Equal(t, "1", rows[0]["mode"], "a grant without a mode is read")
	})
}
