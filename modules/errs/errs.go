// Package errs names the kinds of failure that cross layers. Services wrap
// them with %w and a message for the caller; routers map each kind to a
// protocol code (connect code, HTTP status) and show the message.
package errs

import (
	"errors"
	"fmt"
)

var (
	InvalidArgument    = errors.New("invalid argument")
	Unauthenticated    = errors.New("unauthenticated")
	PermissionDenied   = errors.New("permission denied")
	NotFound           = errors.New("not found")
	AlreadyExists      = errors.New("already exists")
	FailedPrecondition = errors.New("failed precondition")
	ResourceExhausted  = errors.New("resource exhausted")
	// Unavailable means a dependency (the database) could not be reached;
	// the caller should try again.
	Unavailable = errors.New("unavailable")
)

// Missing rewords a lookup's NotFound for the reader as "<what> does not
// exist"; any other error passes unchanged.
func Missing(err error, what string) error {
	if errors.Is(err, NotFound) {
		return fmt.Errorf("%w: %s does not exist", NotFound, what)
	}
	return err
}
