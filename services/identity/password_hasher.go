package identity

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"

	"code.runnerhub.dev/runnerhub/modules/secret"
)

// passwordHasher runs the deliberately slow password hash, at most slots at
// a time, so that a flood of sign-in attempts queues up instead of taking
// every core; a caller waits for a slot only as long as its context lives.
type passwordHasher struct {
	slots    chan struct{}
	computed atomic.Int64 // hashes run, for tests and the benchmark
	running  atomic.Int64
	peak     atomic.Int64 // the most hashes that ran at once
}

func newPasswordHasher(slots int) *passwordHasher {
	return &passwordHasher{slots: make(chan struct{}, max(slots, 1))}
}

// defaultHashSlots lets password hashes use every core the process may use,
// but not more: the rest of the server keeps answering while they wait.
func defaultHashSlots() int { return runtime.GOMAXPROCS(0) }

// run calls fn holding a slot.
func (h *passwordHasher) run(ctx context.Context, fn func()) error {
	if h == nil { // a zero Standalone: unbounded, as before
		fn()
		return nil
	}
	if err := ctx.Err(); err != nil { // a select would pick a free slot half the time
		return fmt.Errorf("waiting to check a password: %w", context.Cause(ctx))
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting to check a password: %w", context.Cause(ctx))
	}
	defer func() { <-h.slots }()
	n := h.running.Add(1)
	defer h.running.Add(-1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	h.computed.Add(1)
	fn()
	return nil
}

// matches checks password against a stored hash.
func (h *passwordHasher) matches(ctx context.Context, password, stored string) (bool, error) {
	var ok bool
	err := h.run(ctx, func() { ok = secret.PasswordMatches(password, stored) })
	return ok, err
}

// hash makes the stored form of a new password.
func (h *passwordHasher) hash(ctx context.Context, password string) (string, error) {
	var stored string
	err := h.run(ctx, func() { stored = secret.HashPassword(password) })
	return stored, err
}

// PasswordHashStats is how many password hashes a Standalone ran, and the
// most that ran at once.
type PasswordHashStats struct {
	Computed, Peak int64
}

// PasswordHashStats reports the hashes run so far, for tests and benchmarks
// that show refused guesses cost no hash.
func (s Standalone) PasswordHashStats() PasswordHashStats {
	if s.hasher == nil {
		return PasswordHashStats{}
	}
	return PasswordHashStats{Computed: s.hasher.computed.Load(), Peak: s.hasher.peak.Load()}
}
