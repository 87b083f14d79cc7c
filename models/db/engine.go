package db

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"           // registers "postgres"
	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"
	"xorm.io/xorm"
	xormlog "xorm.io/xorm/log"
	"xorm.io/xorm/names"

	"code.runnerhub.dev/runnerhub/options"
)

// Open connects to the database the options describe.
func Open(o options.Database) (*xorm.Engine, error) {
	driver, dsn, err := DSN(o)
	if err != nil {
		return nil, err
	}
	if driver == "sqlite3" {
		if dir := filepath.Dir(o.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
	}
	e, err := OpenDSN(driver, dsn, o.MaxOpenConns)
	if err != nil {
		return nil, err
	}
	if o.LogSQL {
		e.SetLogger(NewSQLLogger(os.Stderr)) // values of secret columns left out
		e.ShowSQL(true)
	}
	return e, nil
}

// OpenDSN opens an engine on a driver-specific DSN and checks it answers.
func OpenDSN(driver, dsn string, maxOpen int) (*xorm.Engine, error) {
	e, err := xorm.NewEngine(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", driver, err)
	}
	e.SetMapper(names.GonicMapper{})
	e.SetLogger(xormlog.DiscardLogger{}) // Open turns SQL logging on when asked
	if maxOpen <= 0 {
		maxOpen = 16
	}
	e.SetMaxOpenConns(maxOpen)
	e.SetMaxIdleConns(maxOpen)
	e.SetConnMaxLifetime(time.Hour)
	e.SetTZDatabase(time.UTC)
	e.SetTZLocation(time.UTC)
	if err := e.Ping(); err != nil {
		_ = e.Close()
		return nil, fmt.Errorf("%w: ping %s: %w", ErrUnavailable, driver, err)
	}
	return e, nil
}

// DSN turns Gitea-style database keys into a driver name and DSN.
func DSN(o options.Database) (driver, dsn string, err error) {
	switch o.Type {
	case "sqlite3":
		// WAL lets readers run beside the one writer; an immediate write lock
		// at BEGIN makes writers queue (busy_timeout) instead of failing when
		// a read lock would have to be upgraded; FULL sync makes every
		// acknowledged commit survive a crash of the machine, not only of us.
		q := url.Values{}
		q.Set("_busy_timeout", "10000")
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "FULL")
		q.Set("_txlock", "immediate")
		q.Set("_foreign_keys", "0")
		return "sqlite3", "file:" + o.Path + "?" + q.Encode(), nil
	case "postgres":
		u := url.URL{Scheme: "postgres", Path: "/" + o.Name}
		if o.User != "" {
			u.User = url.UserPassword(o.User, o.Passwd)
		}
		q := url.Values{}
		q.Set("sslmode", defaultString(o.SSLMode, "disable"))
		if strings.HasPrefix(o.Host, "/") {
			q.Set("host", o.Host) // unix socket folder
		} else {
			u.Host = o.Host
		}
		u.RawQuery = q.Encode()
		return "postgres", u.String(), nil
	case "mysql":
		c := mysql.NewConfig()
		c.User, c.Passwd, c.DBName = o.User, o.Passwd, o.Name
		if strings.HasPrefix(o.Host, "/") {
			c.Net, c.Addr = "unix", o.Host
		} else {
			c.Net, c.Addr = "tcp", o.Host
		}
		c.ParseTime = true
		c.Params = map[string]string{"charset": "utf8mb4"}
		c.Collation = "utf8mb4_bin"
		return "mysql", c.FormatDSN(), nil
	}
	return "", "", fmt.Errorf("unsupported database type %q", o.Type)
}

func defaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
