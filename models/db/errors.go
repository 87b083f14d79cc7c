package db

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"

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

// wrapConnErr tags connection-level failures with ErrUnavailable.
func wrapConnErr(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	var netErr net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// Wrap annotates err from a query the way WithTx does, so model functions
// that run outside a transaction report an unreachable database the same way.
func Wrap(err error) error {
	return wrapConnErr(err)
}
