package rhload

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/go-sql-driver/mysql"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
)

// freshDatabase creates an empty database of the given kind for one run and
// returns its options and a function that drops it. adminDSN reaches the
// PostgreSQL or MySQL server; SQLite gets a file in a temporary folder.
func freshDatabase(kind, adminDSN string) (options.Database, func(), error) {
	o := options.Default().Database
	name := "rhbench_" + randomHex(6)
	switch kind {
	case "sqlite", "sqlite3":
		dir, err := os.MkdirTemp("", "rhbench-")
		if err != nil {
			return o, nil, err
		}
		o.Path = filepath.Join(dir, "runnerhub.db")
		return o, func() { _ = os.RemoveAll(dir) }, nil
	case "postgres":
		u, err := url.Parse(adminDSN)
		if err != nil || adminDSN == "" {
			return o, nil, fmt.Errorf("-dsn: a postgres:// URL of the server is needed (%v)", err)
		}
		drop, err := createDatabase("postgres", adminDSN, "CREATE DATABASE "+name, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		if err != nil {
			return o, nil, err
		}
		o.Type, o.Host, o.Name, o.SSLMode = "postgres", u.Host, name, u.Query().Get("sslmode")
		if u.User != nil {
			o.User = u.User.Username()
			o.Passwd, _ = u.User.Password()
		}
		return o, drop, nil
	case "mysql":
		c, err := mysql.ParseDSN(adminDSN)
		if err != nil {
			return o, nil, fmt.Errorf("-dsn: %w", err)
		}
		drop, err := createDatabase("mysql", adminDSN, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "DROP DATABASE IF EXISTS "+name)
		if err != nil {
			return o, nil, err
		}
		o.Type, o.Host, o.Name, o.User, o.Passwd = "mysql", c.Addr, name, c.User, c.Passwd
		return o, drop, nil
	}
	return o, nil, fmt.Errorf("-db %q: want sqlite, postgres or mysql", kind)
}

func createDatabase(driver, adminDSN, create, drop string) (func(), error) {
	admin, err := db.OpenDSN(driver, adminDSN, 2)
	if err != nil {
		return nil, err
	}
	if _, err := admin.Exec(create); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("create bench database: %w", err)
	}
	return func() {
		if _, err := admin.Exec(drop); err != nil {
			fmt.Fprintln(os.Stderr, "rhload: drop bench database:", err)
		}
		_ = admin.Close()
	}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b)
}

// databaseEnv names o in the environment variables runnerhub serve reads.
func databaseEnv(o options.Database) []string {
	return []string{
		"RUNNERHUB__DATABASE__DB_TYPE=" + o.Type,
		"RUNNERHUB__DATABASE__PATH=" + o.Path,
		"RUNNERHUB__DATABASE__HOST=" + o.Host,
		"RUNNERHUB__DATABASE__NAME=" + o.Name,
		"RUNNERHUB__DATABASE__USER=" + o.User,
		"RUNNERHUB__DATABASE__PASSWD=" + o.Passwd,
		"RUNNERHUB__DATABASE__SSL_MODE=" + o.SSLMode,
	}
}
