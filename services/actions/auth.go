package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// runnerCache keeps recently verified runners so the poll path does not read
// the database on every call. Entries live at most ttl; changes made by this
// process replace or drop them at once. A removed runner is never kept, and
// expired entries are swept, so the map holds only runners that called
// within the last ttl or two — not every ephemeral runner that ever lived.
type runnerCache struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[string]cachedRunner
	// swept is when expired entries were last dropped; put sweeps at most
	// once per ttl, so a sweep's cost is spread over a ttl's worth of puts.
	swept time.Time
}

type cachedRunner struct {
	runner   actions_model.Runner
	loadedAt time.Time
}

func newRunnerCache(ttl time.Duration) *runnerCache {
	return &runnerCache{ttl: ttl, m: map[string]cachedRunner{}}
}

func (c *runnerCache) get(uuid string, now time.Time) (*actions_model.Runner, bool) {
	c.mu.RLock()
	e, ok := c.m[uuid]
	c.mu.RUnlock()
	if !ok || now.Sub(e.loadedAt) >= c.ttl {
		return nil, false
	}
	r := e.runner
	return &r, true
}

// put keeps a copy of r; a removed runner's entry is dropped instead, since
// it can only be asked for again by its late reports (read from the
// database) or by a caller about to be told it was removed.
func (c *runnerCache) put(r *actions_model.Runner, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.IsDeleted() {
		delete(c.m, r.UUID)
		return
	}
	c.m[r.UUID] = cachedRunner{runner: *r, loadedAt: now}
	if now.Sub(c.swept) >= c.ttl {
		c.swept = now
		for uuid, e := range c.m {
			if now.Sub(e.loadedAt) >= c.ttl {
				delete(c.m, uuid)
			}
		}
	}
}

// len is how many runners are kept.
func (c *runnerCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// update changes a cached runner in place, keeping its age.
func (c *runnerCache) update(uuid string, fn func(r *actions_model.Runner)) {
	c.mu.Lock()
	if e, ok := c.m[uuid]; ok {
		fn(&e.runner)
		c.m[uuid] = e
	}
	c.mu.Unlock()
}

func (c *runnerCache) drop(uuid string) {
	c.mu.Lock()
	delete(c.m, uuid)
	c.mu.Unlock()
}

// CachedRunners is how many runners this process keeps verified copies of,
// for tests and metrics.
func (s *Service) CachedRunners() int { return s.runners.len() }

// ErrRunnerRemoved tells a runner that it no longer exists, so act_runner stops.
var ErrRunnerRemoved = fmt.Errorf("%w: runner has been removed", errs.Unauthenticated)

// Call says what an authenticated call wants to do, because a retired
// ephemeral runner may still finish reporting its own task and nothing else.
type Call int

const (
	CallOther Call = iota
	CallTaskReport
)

// AuthenticateRunner checks a runner's uuid and token.
func (s *Service) AuthenticateRunner(ctx context.Context, uuid, token string, call Call) (*actions_model.Runner, error) {
	if uuid == "" || token == "" {
		return nil, fmt.Errorf("%w: runner uuid and token are required", errs.Unauthenticated)
	}
	now := s.now()
	r, ok := s.runners.get(uuid, now)
	if !ok {
		var err error
		r, err = actions_model.GetRunnerByUUID(ctx, uuid)
		if errors.Is(err, db.ErrNotExist) {
			return nil, fmt.Errorf("%w: unknown runner", errs.Unauthenticated)
		}
		if err != nil {
			return nil, err
		}
		s.runners.put(r, now) // a removed runner is not kept
	}
	if !secret.Matches(token, r.TokenHash) {
		// A runner Gitea registered proves its token once against Gitea's hash (legacy_token.go).
		if ok, err := s.upgradeLegacyToken(ctx, r, token); err != nil || !ok {
			return nil, cmp.Or(err, fmt.Errorf("%w: runner token does not match", errs.Unauthenticated))
		}
	}
	if r.IsDeleted() && !s.mayStillReport(r, call, now) {
		return nil, ErrRunnerRemoved
	}
	if call == CallTaskReport {
		// A runner busy with a task does not poll; its reports are its sign of
		// life, which the maintenance loop reads to tell silent from busy.
		if err := s.touch(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// mayStillReport lets a retired ephemeral runner deliver its last logs and
// state for a while; the task update itself checks it is its own task.
func (s *Service) mayStillReport(r *actions_model.Runner, call Call, now time.Time) bool {
	return call == CallTaskReport && r.Ephemeral && r.TaskCount > 0 &&
		now.Sub(time.Unix(r.Deleted, 0)) < s.opts.EphemeralLogGrace
}

// touch records contact at most every touchEvery seconds per runner, and
// writes the contacts of many runners together (see contactBatch), so that
// polling does not turn into writes.
func (s *Service) touch(ctx context.Context, r *actions_model.Runner) error {
	now := s.now().Unix()
	if now-r.LastOnline < touchEvery {
		return nil
	}
	silent := now - r.LastOnline
	r.LastOnline = now
	s.runners.update(r.UUID, func(c *actions_model.Runner) { c.LastOnline = now })
	if stale := int64(s.opts.TaskStaleAfter / time.Second); stale > 0 && silent >= stale/2 {
		// A runner first in touch (a JIT runner's first call may be its
		// claim) or back after a long silence may take a task with this
		// very call: its stored contact is written at once, lest the
		// maintenance loop take the task for a silent runner's while the
		// batch waits.
		return actions_model.TouchRunner(ctx, r.ID, now)
	}
	return s.contacts.add(ctx, r.ID, now)
}

// touchEvery is how stale last_online may get, in seconds, before a call
// notes it; the note is written within contactFlushEvery or with the next
// note after that.
const touchEvery = 10

// contactFlushEvery is how often, in seconds, noted contacts are written together.
const contactFlushEvery = 2
