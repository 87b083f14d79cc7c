package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

func TestV0028_ExistingRunnersAreNotJIT(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 28), func(t *testing.T, x *xorm.Engine) {
		insert := "INSERT INTO action_runner (uuid, name, token_hash, ephemeral) VALUES (?, ?, ?, ?)"
		_, err := x.Exec(insert, "old", "old", "h1", true)
		require.NoError(t, err)
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 28))
		_, err = x.Exec("INSERT INTO action_runner (uuid, name, token_hash, ephemeral, jit) VALUES (?, ?, ?, ?, ?)", "new", "new", "h2", true, true)
		require.NoError(t, err)
		rows, err := x.QueryString("SELECT uuid, jit FROM action_runner ORDER BY id")
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Contains(t, []string{"0", "false"}, rows[0]["jit"], "a runner that registered itself is not JIT")
		assert.Contains(t, []string{"1", "true"}, rows[1]["jit"])
		_, err = x.Exec(insert, "old", "dup", "h3", false)
		assert.Error(t, err, "the uuid stays unique")
	})
}
