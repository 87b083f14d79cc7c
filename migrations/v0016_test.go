package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0016_AccessTokensGetAnExpiryOfNever(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 16), func(t *testing.T, x *xorm.Engine) {
		_, err := x.Exec("INSERT INTO access_token (uid, name, token_hash, token_last_eight) VALUES (?, ?, ?, ?)", 1, "old", "h1", "12345678")
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 16))
		_, err = x.Exec("INSERT INTO access_token (uid, name, token_hash, token_last_eight, expires_unix) VALUES (?, ?, ?, ?, ?)", 1, "new", "h2", "87654321", 1700000000)
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT name, expires_unix FROM access_token ORDER BY id")
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Equal(t, "0", rows[0]["expires_unix"], "an existing token never expires")
		assert.Equal(t, "1700000000", rows[1]["expires_unix"])
		_, err = x.Exec("INSERT INTO access_token (uid, name, token_hash) VALUES (?, ?, ?)", 2, "dup", "h1")
		assert.Error(t, err, "the token hash stays unique")
	})
}
