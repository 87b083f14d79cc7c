package migrations

import (
	"context"
	"fmt"

	"xorm.io/xorm"
)

// lockName identifies Runnerhub's migration lock on PostgreSQL and MySQL.
const (
	lockName    = "runnerhub_migrate"
	pgLockID    = 7_220_415_001
	lockWaitSec = 300
)

// lock takes a database-wide lock so that only one process migrates at a
// time. SQLite needs none: its write lock already serializes the steps.
func lock(ctx context.Context, x *xorm.Engine) (func(), error) {
	var lockSQL, unlockSQL string
	var args []any
	switch x.DriverName() {
	case "postgres":
		lockSQL, args = "SELECT pg_advisory_xact_lock(?)", []any{pgLockID}
	case "mysql":
		lockSQL, unlockSQL = "SELECT GET_LOCK(?, ?)", "SELECT RELEASE_LOCK(?)"
		args = []any{lockName, lockWaitSec}
	default:
		return func() {}, nil
	}
	// The lock belongs to a connection; an open transaction pins one for us
	// while the steps run on other connections of the pool.
	sess := x.NewSession().Context(ctx)
	if err := sess.Begin(); err != nil {
		sess.Close()
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	rows, err := sess.QueryString(append([]any{lockSQL}, args...)...)
	if err == nil && x.DriverName() == "mysql" && (len(rows) != 1 || firstValue(rows[0]) != "1") {
		err = fmt.Errorf("timed out after %d s", lockWaitSec)
	}
	if err != nil {
		_ = sess.Rollback()
		sess.Close()
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	return func() {
		if unlockSQL != "" {
			_, _ = sess.QueryString(unlockSQL, args[0]) // closing the connection frees it too
		}
		_ = sess.Commit()
		sess.Close()
	}, nil
}

func firstValue(row map[string]string) string {
	for _, v := range row {
		return v
	}
	return ""
}
