package migrations_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// schemaOf describes tables and columns in a form that does not depend on
// the order the database lists them in.
func schemaOf(t *testing.T, x *xorm.Engine) []string {
	t.Helper()
	tables, err := x.DBMetas()
	require.NoError(t, err)
	var out []string
	for _, tb := range tables {
		for _, c := range tb.Columns() {
			out = append(out, tb.Name+"."+c.Name+" "+strings.ToLower(c.SQLType.Name))
		}
		for name := range tb.Indexes {
			out = append(out, tb.Name+" index "+name)
		}
	}
	sort.Strings(out)
	return out
}

// TestMigrate_EveryVersionReachesLatest starts from an empty database and from
// a database at each earlier version, and checks that all end with the same
// schema as a fresh migration.
func TestMigrate_EveryVersionReachesLatest(t *testing.T) {
	ctx := context.Background()
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fresh := b.NewEngine(t)
			require.NoError(t, migrations.Migrate(ctx, fresh, migrations.Standalone))
			want := schemaOf(t, fresh)
			v, err := migrations.Current(fresh, migrations.Standalone)
			require.NoError(t, err)
			assert.Equal(t, migrations.Latest(), v)

			for _, from := range migrations.Versions() {
				x := b.NewEngine(t)
				require.NoError(t, migrations.MigrateTo(ctx, x, migrations.Standalone, from))
				v, err := migrations.Current(x, migrations.Standalone)
				require.NoError(t, err)
				require.Equal(t, from, v)
				require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
				assert.Equal(t, want, schemaOf(t, x), "schema after migrating from version %d", from)
			}
		})
	}
}

func TestMigrate_IsIdempotent(t *testing.T) {
	ctx := context.Background()
	x := dbtest.Backends()[0].NewEngine(t)
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone), "a second start must find nothing to do")
}

func TestMigrate_RefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	x := dbtest.Backends()[0].NewEngine(t)
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
	_, err := x.Exec("UPDATE schema_version SET version = ?", migrations.Latest()+1)
	require.NoError(t, err)
	err = migrations.Migrate(ctx, x, migrations.Standalone)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newer")
}
