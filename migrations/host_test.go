package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// hostUser is a host's own "user" table, with columns Runnerhub's
// standalone accounts do not have (as Gitea's has).
type hostUser struct {
	ID        int64  `xorm:"pk autoincr"`
	LowerName string `xorm:"VARCHAR(255) UNIQUE NOT NULL"`
	FullName  string `xorm:"VARCHAR(255)"`
	Avatar    string `xorm:"VARCHAR(2048)"`
}

func (hostUser) TableName() string { return "user" }

// TestMigrate_HostAccountsAreNeverTouched migrates a database that holds a
// host's own "user" table without the standalone accounts: the host's table
// keeps its columns and rows, and no other account table appears.
func TestMigrate_HostAccountsAreNeverTouched(t *testing.T) {
	ctx := context.Background()
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := b.NewEngine(t)
			require.NoError(t, x.Sync(new(hostUser)))
			_, err := x.Insert(&hostUser{LowerName: "octo", FullName: "Octo Cat", Avatar: "a.png"})
			require.NoError(t, err)
			before := schemaOf(t, x)

			opts := migrations.Options{VersionTable: "runnerhub_version"}
			require.NoError(t, migrations.Migrate(ctx, x, opts))
			require.NoError(t, migrations.Check(x, opts))

			for _, table := range []string{"repository", "org_owner", "repo_admin", "repo_collaborator", "access_token", "schema_version"} {
				ok, err := x.IsTableExist(table)
				require.NoError(t, err)
				assert.False(t, ok, "%s must not be created for a host with its own accounts", table)
			}
			for _, table := range []string{"action_runner", "action_run_job", "action_webhook", "runnerhub_version", "runnerhub_version_step"} {
				ok, err := x.IsTableExist(table)
				require.NoError(t, err)
				assert.True(t, ok, table)
			}
			after := schemaOf(t, x)
			for _, col := range before {
				assert.Contains(t, after, col, "the host's schema is kept")
			}
			var users []hostUser
			require.NoError(t, x.Find(&users))
			require.Len(t, users, 1)
			assert.Equal(t, "Octo Cat", users[0].FullName)
		})
	}
}

// TestSteps_RunInsideAHostSequence runs the exported steps one by one, as a
// host's own migration runner would, and finds the database current.
func TestSteps_RunInsideAHostSequence(t *testing.T) {
	x := dbtest.Backends()[0].NewEngine(t)
	opts := migrations.Options{VersionTable: "host_rh_version"}
	require.Error(t, migrations.Check(x, opts), "an empty database is not current")
	for _, s := range migrations.Steps() {
		require.NoError(t, s.Run(x, opts), "step %d", s.Version)
	}
	require.NoError(t, migrations.Check(x, opts))
	require.NoError(t, migrations.Migrate(context.Background(), x, opts), "nothing left to do")
}

// TestMigrate_LegacyVersionTableIsAdopted takes a database migrated before
// steps were recorded one by one (only schema_version) and migrates it on.
func TestMigrate_LegacyVersionTableIsAdopted(t *testing.T) {
	ctx := context.Background()
	x := dbtest.Backends()[0].NewEngine(t)
	require.NoError(t, migrations.MigrateTo(ctx, x, migrations.Standalone, 10))
	_, err := x.Exec("DROP TABLE schema_version_step") // as a database written by an older binary
	require.NoError(t, err)
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
	require.NoError(t, migrations.Check(x, migrations.Standalone))
	var applied []int64
	require.NoError(t, x.SQL("SELECT version FROM schema_version_step ORDER BY version").Find(&applied))
	assert.Equal(t, migrations.Versions(), applied)
}

func engineAt(t *testing.T, v int64) *xorm.Engine {
	x := dbtest.Backends()[0].NewEngine(t)
	require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, v))
	return x
}

func TestV0011_IsAnExplicitNoOp(t *testing.T) {
	x := engineAt(t, 10)
	before := schemaOf(t, x)
	require.NoError(t, migrations.MigrateTo(context.Background(), x, migrations.Standalone, 11))
	assert.Equal(t, before, schemaOf(t, x))
	v, err := migrations.Current(x, migrations.Standalone)
	require.NoError(t, err)
	assert.EqualValues(t, 11, v)
}
