package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0004_AddsIdentityKeepingUsers(t *testing.T) {
	eachBackendAt(t, 3, func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO "+x.Quote("user")+" (lower_name, name, is_org) VALUES (?, ?, ?)", "octo", "Octo", false)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 4))

		rows, err := x.QueryString("SELECT name, is_admin, passwd_hash FROM " + x.Quote("user"))
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "Octo", rows[0]["name"])
		assert.Contains(t, []string{"0", "false"}, rows[0]["is_admin"], "existing users are not admins")
		assert.Empty(t, rows[0]["passwd_hash"])

		for _, table := range []string{"org_owner", "repo_admin"} {
			_, err = x.Exec("INSERT INTO "+table+" ("+map[string]string{"org_owner": "org_id", "repo_admin": "repo_id"}[table]+", user_id) VALUES (?, ?)", 1, 2)
			require.NoError(t, err, table)
			_, err = x.Exec("INSERT INTO "+table+" ("+map[string]string{"org_owner": "org_id", "repo_admin": "repo_id"}[table]+", user_id) VALUES (?, ?)", 1, 2)
			assert.Error(t, err, "%s holds a pair once", table)
		}
	})
}

func TestV0005_AccessTokenHashIsUnique(t *testing.T) {
	eachBackendAt(t, 4, func(t *testing.T, x *xorm.Engine) {
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 5))
		_, err := x.Exec("INSERT INTO access_token (uid, name, token_hash, token_last_eight) VALUES (?, ?, ?, ?)", 1, "ci", "h1", "abcdefgh")
		require.NoError(t, err)
		_, err = x.Exec("INSERT INTO access_token (uid, name, token_hash, token_last_eight) VALUES (?, ?, ?, ?)", 2, "other", "h1", "abcdefgh")
		assert.Error(t, err, "a token hash identifies one token")
	})
}

func TestV0006_WebSessionsExpireByIndex(t *testing.T) {
	eachBackendAt(t, 5, func(t *testing.T, x *xorm.Engine) {
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 6))
		_, err := x.Exec("INSERT INTO web_session (token_hash, uid, expires_unix) VALUES (?, ?, ?), (?, ?, ?)", "a", 1, 100, "b", 1, 200)
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT token_hash FROM web_session WHERE expires_unix > 150")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "b", rows[0]["token_hash"])
	})
}
