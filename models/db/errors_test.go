package db

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

func TestWrap_ConnectionErrorsAreUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "x"}}
	for name, err := range map[string]error{
		"bad connection":      driver.ErrBadConn,
		"dial refused":        &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		"net error":           refused,
		"reset":               fmt.Errorf("read: %w", syscall.ECONNRESET),
		"cut mid-answer":      io.ErrUnexpectedEOF,
		"mysql invalid conn":  mysql.ErrInvalidConn,
		"mysql shutdown":      &mysql.MySQLError{Number: 1053, Message: "Server shutdown in progress"},
		"mysql too many":      &mysql.MySQLError{Number: 1040, Message: "Too many connections"},
		"pg connection class": &pq.Error{Code: "08006", Message: "connection failure"},
		"pg admin shutdown":   &pq.Error{Code: "57P01", Message: "terminating connection due to administrator command"},
		"pg starting up":      &pq.Error{Code: "57P03", Message: "the database system is starting up"},
	} {
		t.Run(name, func(t *testing.T) {
			got := Wrap(fmt.Errorf("query: %w", err))
			assert.ErrorIs(t, got, errs.Unavailable)
			assert.ErrorIs(t, got, err, "the cause is kept")
		})
	}
}

func TestWrap_StatementErrorsStayAsTheyAre(t *testing.T) {
	for name, err := range map[string]error{
		"unique violation": &pq.Error{Code: "23505"},
		"mysql duplicate":  &mysql.MySQLError{Number: 1062},
		"deadlock":         &mysql.MySQLError{Number: 1213},
		"plain":            errors.New("syntax error"),
	} {
		t.Run(name, func(t *testing.T) {
			got := Wrap(err)
			assert.NotErrorIs(t, got, errs.Unavailable)
			assert.Equal(t, err, got)
		})
	}
	assert.NoError(t, Wrap(nil))
}

func TestWrap_TextTheDatabaseCannotHoldIsInvalidArgument(t *testing.T) {
	for name, err := range map[string]error{
		"pg nul":        &pq.Error{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`},
		"mysql bad utf": &mysql.MySQLError{Number: 1366, Message: "Incorrect string value"},
	} {
		t.Run(name, func(t *testing.T) {
			got := Wrap(err)
			assert.ErrorIs(t, got, errs.InvalidArgument)
			assert.NotErrorIs(t, got, errs.Unavailable)
		})
	}
}
