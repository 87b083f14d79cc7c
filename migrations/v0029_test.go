package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
)

// The pool runner table's unique keys are the provisioner's claims: one row
// per slot of a pool, one per claim.
func TestV0029_CreatesPoolRunnersWithClaimKeys(t *testing.T) {
	eachBackendAt(t, stepBefore(t, 29), func(t *testing.T, x *xorm.Engine) {
		require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 29))
		insert := "INSERT INTO action_pool_runner (pool, slot, claim, state) VALUES (?, ?, ?, ?)"
		_, err := x.Exec(insert, "linux", 0, "job/1", "starting")
		require.NoError(t, err)
		_, err = x.Exec(insert, "gpu", 0, "job/2", "starting")
		require.NoError(t, err, "slot 0 of another pool")
		_, err = x.Exec(insert, "linux", 0, "job/3", "starting")
		assert.Error(t, err, "a second runner in one slot is refused")
		_, err = x.Exec(insert, "gpu", 1, "job/1", "starting")
		assert.Error(t, err, "a second runner for one job is refused, whatever the pool")
		n, err := x.Table("action_pool_runner").Count()
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
	})
}
