package main

import (
	"errors"
	"os"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"
	"xorm.io/xorm"
	xormlog "xorm.io/xorm/log"
	"xorm.io/xorm/names"
)

// openSQLite opens the shared database the way Runnerhub's models need an
// engine: column names by xorm's GonicMapper (OwnerID is owner_id), times in
// UTC. WAL lets readers run beside the one writer; an immediate lock at
// BEGIN makes writers wait their turn (busy_timeout) instead of failing.
func openSQLite(path string) (*xorm.Engine, error) {
	x, err := xorm.NewEngine("sqlite3", "file:"+path+"?_busy_timeout=10000&_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	x.SetMapper(names.GonicMapper{})
	x.SetLogLevel(xormlog.LOG_WARNING)
	x.SetTZDatabase(time.UTC)
	x.SetTZLocation(time.UTC)
	if err := x.Ping(); err != nil {
		_ = x.Close()
		return nil, err
	}
	return x, nil
}

// secretKey reads the key that seals Runnerhub's stored secrets (webhook
// secrets), or makes one on first start: it must stay the same across runs.
func secretKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	key, err := randomHex(32)
	if err != nil {
		return "", err
	}
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}
