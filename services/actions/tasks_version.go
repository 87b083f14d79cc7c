package actions

import (
	"context"
	"sync"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
)

// versionCache answers "what is this scope's tasks_version?" mostly from
// memory. Every bump also bumps the instance's version, so that one row is a
// change counter for all scopes: while it has not moved, no scope's has. The
// cache re-reads it when this process has bumped a version since (exact for
// its own writes) or when its last read is older than recheck (the bound on
// how late a bump by another process is seen). A scope's own row is read
// again only after the instance's version moved.
type versionCache struct {
	recheck time.Duration
	bumps   bumpCounter // this process's committed bumps

	mu        sync.Mutex
	global    int64         // the instance's version, as last read
	groups    int64         // the instance's groups version, read with it
	readAt    time.Time     // when that read began
	since     time.Time     // when the read that first found this version began
	bumpsAt   int64         // this process's bump count when it began
	reloading bool          // a read of the instance's version is under way
	changed   chan struct{} // closed when global is seen to move
	scopes    map[scopeKey]scopeVersion
	waiting   int  // polls waiting for a change
	watched   bool // a watcher goroutine runs

	reading sync.Mutex // one reader of the instance's row at a time
}

type scopeKey struct{ ownerID, repoID int64 }

type scopeVersion struct {
	version  int64
	groups   int64     // the scope's runner groups' version, read with version
	atGlobal int64     // the instance's version it was read under
	readAt   time.Time // when its read began
}

func newVersionCache(recheck time.Duration) *versionCache {
	return &versionCache{recheck: recheck, bumps: bumpCounter{next: make(chan struct{})},
		changed: make(chan struct{}), scopes: map[scopeKey]scopeVersion{}}
}

// bumpTasksVersion bumps the versions of the scopes that could serve a job
// of the repository. Once the transaction commits, this process's polls hear
// of it at once; other processes' within their recheck.
func (s *Service) bumpTasksVersion(ctx context.Context, ownerID, repoID int64) error {
	if err := actions_model.IncreaseTasksVersion(ctx, ownerID, repoID); err != nil {
		return err
	}
	db.AfterCommit(ctx, s.versions.bumps.add)
	return nil
}

// bumpGroupsVersion counts a change to the runner groups of an owner (0:
// the instance). Once it commits, claims of that scope's runners read
// their groups again: in this process at once, in others within recheck.
func (s *Service) bumpGroupsVersion(ctx context.Context, ownerID int64) error {
	if err := actions_model.IncreaseGroupsVersion(ctx, ownerID); err != nil {
		return err
	}
	db.AfterCommit(ctx, s.versions.bumps.add)
	return nil
}

// bumpCounter counts the tasks_version bumps this process has committed. A
// cached version read when the count was the same has missed none of them.
type bumpCounter struct {
	mu   sync.Mutex
	n    int64
	next chan struct{} // closed at the next bump
}

func (c *bumpCounter) add() {
	c.mu.Lock()
	c.n++
	close(c.next)
	c.next = make(chan struct{})
	c.mu.Unlock()
}

// get returns the count and a channel closed at the next bump.
func (c *bumpCounter) get() (int64, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.next
}

// instance returns the instance's version, at most recheck old and never
// older than this process's own last bump, and when the read that first
// found it began: every bump it counts had committed by then.
//
// When only time made it stale and another call is reading it already, the
// value in hand is served meanwhile: under load, polls do not queue behind
// that one read, and the bound becomes recheck plus one read.
func (c *versionCache) instance(ctx context.Context) (int64, int64, time.Time, error) {
	bumps, _ := c.bumps.get()
	c.mu.Lock()
	known := bumps == c.bumpsAt && !c.readAt.IsZero()
	if known && (c.reloading || time.Since(c.readAt) < c.recheck) {
		g, groups, at := c.global, c.groups, c.since
		c.mu.Unlock()
		return g, groups, at, nil
	}
	c.mu.Unlock()
	return c.reload(ctx)
}

func (c *versionCache) reload(ctx context.Context) (int64, int64, time.Time, error) {
	c.reading.Lock()
	defer c.reading.Unlock()
	bumps, _ := c.bumps.get()
	start := time.Now()
	c.mu.Lock()
	if bumps == c.bumpsAt && start.Sub(c.readAt) < c.recheck { // read by the goroutine we waited for
		g, groups, at := c.global, c.groups, c.since
		c.mu.Unlock()
		return g, groups, at, nil
	}
	c.reloading = true
	c.mu.Unlock()
	g, groups, err := actions_model.GetTasksVersions(ctx, 0, 0)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reloading = false
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	if c.since.IsZero() || g != c.global {
		c.since = start
	}
	c.readAt, c.bumpsAt, c.groups = start, bumps, groups
	if g != c.global {
		c.global = g
		close(c.changed)
		c.changed = make(chan struct{})
	}
	return g, groups, c.since, nil
}

// get returns the scope's version, its runner groups' version and when the
// read they come from began. The scope's row is read after the instance's
// version it is filed under, so while the instance's version stays the
// same the row cannot have moved (a change to groups bumps both).
func (c *versionCache) get(ctx context.Context, ownerID, repoID int64) (int64, int64, time.Time, error) {
	g, groups, at, err := c.instance(ctx)
	if err != nil || (ownerID == 0 && repoID == 0) {
		return g, groups, at, err
	}
	key := scopeKey{ownerID, repoID}
	c.mu.Lock()
	e, ok := c.scopes[key]
	c.mu.Unlock()
	if ok && e.atGlobal == g {
		return e.version, e.groups, e.readAt, nil
	}
	start := time.Now()
	v, groups, err := actions_model.GetTasksVersions(ctx, ownerID, repoID)
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	c.mu.Lock()
	if cur, ok := c.scopes[key]; !ok || cur.atGlobal <= g {
		c.scopes[key] = scopeVersion{version: v, groups: groups, atGlobal: g, readAt: start}
	}
	c.mu.Unlock()
	return v, groups, start, nil
}

// wait blocks until the scope's version differs from seen (true), or until
// the deadline passes or ctx ends (false). The caller has joined.
func (c *versionCache) wait(ctx context.Context, ownerID, repoID, seen int64, deadline time.Time) (bool, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		c.mu.Lock()
		changed := c.changed
		c.mu.Unlock()
		v, _, _, err := c.get(ctx, ownerID, repoID)
		if err != nil || v != seen {
			return err == nil, err
		}
		select {
		case <-changed:
		case <-timer.C:
			return false, nil
		case <-ctx.Done():
			return false, nil
		}
	}
}

// join counts a waiting poll, unless limit polls wait already (false), and
// starts the watcher if none runs. A poll that joined must leave.
func (c *versionCache) join(ctx context.Context, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting >= limit {
		return false
	}
	c.waiting++
	if !c.watched {
		c.watched = true
		go c.watch(context.WithoutCancel(ctx)) // outlives the poll that started it; keeps its database
	}
	return true
}

func (c *versionCache) leave() {
	c.mu.Lock()
	c.waiting--
	c.mu.Unlock()
}

// count returns how many polls are waiting for a job.
func (c *versionCache) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waiting
}

// watch re-reads the instance's version while polls wait: at once after a
// bump by this process, else every recheck. A move closes changed, which
// wakes the waiting polls. It stops when none is left.
func (c *versionCache) watch(ctx context.Context) {
	tick := time.NewTicker(c.recheck)
	defer tick.Stop()
	for {
		_, bumped := c.bumps.get()
		select {
		case <-bumped:
		case <-tick.C:
		}
		c.mu.Lock()
		if c.waiting == 0 {
			c.watched = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		_, _, _, _ = c.instance(ctx) // a failed read is tried again at the next tick; waiters time out meanwhile
	}
}

// WaitingPolls returns how many FetchTask calls are waiting for a job to be
// queued in this process.
func (s *Service) WaitingPolls() int { return s.versions.count() }
