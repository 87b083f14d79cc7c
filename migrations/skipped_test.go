package migrations

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	_ "github.com/mattn/go-sqlite3"
)

// TestMigrate_RefusesAStepAddedBelowTheVersion: a database that has passed
// version 3 meets a binary with a step 2 it never ran. Migrating must stop
// with the step named, not skip it.
func TestMigrate_RefusesAStepAddedBelowTheVersion(t *testing.T) {
	ctx := context.Background()
	// An internal test cannot use tests/dbtest (it imports this package).
	x, err := xorm.NewEngine("sqlite3", filepath.Join(t.TempDir(), "skip.db"))
	require.NoError(t, err)
	defer x.Close()
	var ran []int64
	step := func(v int64) Step {
		return Step{Version: v, Description: "test", Migrate: func(*xorm.Engine) error { ran = append(ran, v); return nil }}
	}
	opts := Options{VersionTable: "t_version"}
	require.NoError(t, migrate(ctx, x, opts, []Step{step(1), step(3)}, 3))
	assert.Equal(t, []int64{1, 3}, ran)

	err = migrate(ctx, x, opts, []Step{step(1), step(2), step(3), step(4)}, 4)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "migration 2")
	assert.Equal(t, []int64{1, 3}, ran, "nothing runs once a skipped step is found")
	v, err := Current(x, opts)
	require.NoError(t, err)
	assert.EqualValues(t, 3, v)
}
