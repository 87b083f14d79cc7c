package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0030_UsersNeedNotChangeTheirPassword(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 30), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO "+x.Quote("user")+" (lower_name, name, passwd_hash) VALUES (?, ?, ?)", "old", "old", "h")
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 30))
		_, err = x.Exec("INSERT INTO "+x.Quote("user")+" (lower_name, name, must_change_password) VALUES (?, ?, ?)", "new", "new", true)
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT name, must_change_password FROM " + x.Quote("user") + " ORDER BY id")
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Contains(t, []string{"0", "false"}, rows[0]["must_change_password"], "an existing user is left be")
		assert.Contains(t, []string{"1", "true"}, rows[1]["must_change_password"])
		_, err = x.Exec("INSERT INTO "+x.Quote("user")+" (lower_name, name) VALUES (?, ?)", "old", "old")
		assert.Error(t, err, "lower_name stays unique")
	})
}

func TestV0031_ExistingTokensKeepAllScopes(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 31), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO access_token (uid, name, token_hash, token_last_eight) VALUES (?, ?, ?, ?)", 1, "old", "h1", "12345678")
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 31))
		_, err = x.Exec("INSERT INTO access_token (uid, name, token_hash, token_last_eight, scope) VALUES (?, ?, ?, ?, ?)", 1, "new", "h2", "87654321", "read:repository")
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT name, scope, expires_unix FROM access_token ORDER BY id")
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Equal(t, "", rows[0]["scope"], "an existing token records no scope, which stands for all")
		assert.Equal(t, "0", rows[0]["expires_unix"], "earlier columns are kept")
		assert.Equal(t, "read:repository", rows[1]["scope"])
		_, err = x.Exec("INSERT INTO access_token (uid, name, token_hash) VALUES (?, ?, ?)", 2, "dup", "h1")
		assert.Error(t, err, "the token hash stays unique")
	})
}
