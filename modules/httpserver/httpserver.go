// Package httpserver makes the http.Server Runnerhub listens with, so that
// `runnerhub serve`, the tests and the load tool run the same limits on
// slow and idle connections.
package httpserver

import (
	"net/http"

	"code.runnerhub.dev/runnerhub/options"
)

// New returns a server for h with the [server] timeouts: READ_HEADER_TIMEOUT
// for a request's headers, READ_TIMEOUT for the whole request with its
// body, and IDLE_TIMEOUT for a kept-alive connection between requests; a
// zero duration turns that limit off.
//
// READ_TIMEOUT bounds reading, not answering: once a handler has read the
// body to its end, net/http lifts the read deadline (it starts its
// background read for a client going away with none), so a poll held for
// FETCH_TASK_WAIT after its small body arrived is not cut off. The test
// tests/integration TestTimeouts_SlowAndIdleConnectionsAreClosed holds one
// past the limit to keep that so.
func New(o options.Server, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
	}
}
