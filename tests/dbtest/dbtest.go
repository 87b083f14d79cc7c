// Package dbtest gives tests a fresh, empty database on every backend the
// machine offers: SQLite always, PostgreSQL when TEST_PGSQL_DSN is set and
// MySQL/MariaDB when TEST_MYSQL_DSN is set.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
)

// Backend is one database server the suite runs against.
type Backend struct {
	Name string
	// serverDSN reaches the server's maintenance database (not for SQLite).
	serverDSN string
}

// Backends lists the backends configured for this run.
func Backends() []Backend {
	bs := []Backend{{Name: "sqlite"}}
	if dsn := os.Getenv("TEST_PGSQL_DSN"); dsn != "" {
		bs = append(bs, Backend{Name: "postgres", serverDSN: dsn})
	}
	if dsn := os.Getenv("TEST_MYSQL_DSN"); dsn != "" {
		bs = append(bs, Backend{Name: "mysql", serverDSN: dsn})
	}
	return bs
}

// Run calls fn once per backend, each in its own subtest with a fresh,
// fully migrated database bound to ctx.
func Run(t *testing.T, fn func(t *testing.T, ctx context.Context)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := b.NewEngine(t)
			ctx := db.WithEngine(context.Background(), x)
			require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
			fn(t, ctx)
		})
	}
}

// NewEngine creates an empty database for t and drops it when t ends.
func (b Backend) NewEngine(t testing.TB) *xorm.Engine {
	t.Helper()
	o := b.NewDatabase(t)
	x, err := db.Open(o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	return x
}

// NewDatabase creates an empty database for t and returns the options that
// reach it, for tests that start a whole server (or two) on it.
func (b Backend) NewDatabase(t testing.TB) options.Database {
	t.Helper()
	o := options.Default().Database
	name := "rh_test_" + randomSuffix(t)
	switch b.Name {
	case "sqlite":
		o.Path = filepath.Join(t.TempDir(), "runnerhub.db")
		return o
	case "postgres":
		u, err := url.Parse(b.serverDSN)
		require.NoError(t, err, "TEST_PGSQL_DSN")
		admin := mustOpen(t, "postgres", b.serverDSN)
		_, err = admin.Exec("CREATE DATABASE " + name)
		require.NoError(t, err)
		t.Cleanup(func() { dropDatabase(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
		o.Type, o.Host, o.Name, o.SSLMode = "postgres", u.Host, name, u.Query().Get("sslmode")
		if u.User != nil {
			o.User = u.User.Username()
			o.Passwd, _ = u.User.Password()
		}
		return o
	case "mysql":
		c, err := mysql.ParseDSN(b.serverDSN)
		require.NoError(t, err, "TEST_MYSQL_DSN")
		admin := mustOpen(t, "mysql", b.serverDSN)
		_, err = admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
		require.NoError(t, err)
		t.Cleanup(func() { dropDatabase(t, admin, "DROP DATABASE IF EXISTS "+name) })
		o.Type, o.Host, o.Name, o.User, o.Passwd = "mysql", c.Addr, name, c.User, c.Passwd
		return o
	}
	t.Fatalf("unknown backend %q", b.Name)
	return o
}

func mustOpen(t testing.TB, driver, dsn string) *xorm.Engine {
	t.Helper()
	x, err := db.OpenDSN(driver, dsn, 2)
	require.NoError(t, err, "open %s admin connection", driver)
	return x
}

func dropDatabase(t testing.TB, admin *xorm.Engine, stmt string) {
	defer admin.Close()
	if _, err := admin.Exec(stmt); err != nil {
		t.Logf("drop test database: %v", err)
	}
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}
