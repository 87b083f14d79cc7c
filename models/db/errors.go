package db

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// Errors the layers above map to protocol codes. Model functions wrap them
// with %w so the message keeps its detail.
var (
	ErrNotExist     = errs.NotFound
	ErrAlreadyExist = errs.AlreadyExists
	// ErrUnavailable marks a failure to reach the database, which callers
	// report as "try again" rather than as their own fault.
	ErrUnavailable = errs.Unavailable
)

// wrapConnErr tags connection-level failures with ErrUnavailable, and text
// the database cannot store with errs.InvalidArgument.
func wrapConnErr(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	if isConnErr(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if isBadText(err) {
		return fmt.Errorf("%w: text with a NUL character or invalid UTF-8: %w", errs.InvalidArgument, err)
	}
	return err
}

// isBadText reports whether the database refused a value as text it cannot
// hold (PostgreSQL takes no NUL, neither takes invalid UTF-8): the input's
// fault, wherever a check before the query missed it.
func isBadText(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "22021" // character_not_in_repertoire
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1366 // incorrect string value
	}
	return false
}

// isConnErr reports whether err means the database could not be reached or
// dropped the connection, rather than that it refused the statement.
func isConnErr(err error) bool {
	var netErr net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		// Class 08 is "connection exception"; 57P01-57P03: the server is
		// shutting down or starting up.
		return pe.Code.Class() == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1040 || me.Number == 1053 // too many connections, server shutdown in progress
	}
	return false
}

// Wrap annotates err from a query the way WithTx does, so model functions
// that run outside a transaction report an unreachable database the same way.
func Wrap(err error) error {
	return wrapConnErr(err)
}
