package db

import (
	"errors"

	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"
	"github.com/mattn/go-sqlite3"
)

// txAttempts bounds how often WithTx reruns a transaction the database chose
// as a deadlock victim. Such aborts are normal under contention (InnoDB picks
// one when two claims cross); the rerun sees the winner's committed state.
const txAttempts = 10

// isRetryable reports whether err aborted the transaction only because of
// contention, so running it again is safe and likely to succeed.
func isRetryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205 // deadlock, lock wait timeout
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "40P01" || pe.Code == "40001" // deadlock, serialization failure
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return false
}
