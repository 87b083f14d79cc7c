// Package provisioner is Runnerhub's built-in autoscaler (SPEC §10): for
// each pool of app.ini ([provisioner.NAME]) it starts one JIT runner per
// waiting job the pool can serve, up to MAX_RUNNERS, keeps MIN_IDLE idle
// ones warm, stops the idle extras and removes the runners of failed starts.
//
// Several server processes on one database share the work through the
// pool runner rows (models/pool): a slot and a job are claimed by a
// compare-and-set insert, so together they never start more than
// MAX_RUNNERS of a pool nor two runners for one job; each process renews
// the rows whose start command it runs, and takes over those of a process
// that stopped renewing them.
package provisioner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/metrics"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// Timings of the provisioner's work. They are not settings: the pool's
// own keys are SPEC §10's.
const (
	// housekeepEvery is how often every pool is looked at even when no job
	// was queued: start timeouts, runners in touch, backoffs that ended.
	housekeepEvery = time.Second
	// leaseTTL is how long a process may go without renewing its rows
	// before another takes them over; it renews them every housekeepEvery.
	leaseTTL = 15 * time.Second
	// idleSilence: an idle runner out of touch this long is gone (its
	// process died with a server, say) and is removed.
	idleSilence = 2 * time.Minute
	// exitGrace is how long a start command may outlive its runner (a
	// runner retired after its job exits by itself) before it is killed.
	exitGrace = 30 * time.Second
	// Backoff after failed starts: the first retry after backoffBase,
	// doubling up to backoffMax; a start that succeeds resets it.
	backoffBase = time.Second
	backoffMax  = time.Minute
	// failuresKept is how many failed starts per pool the page shows.
	failuresKept = 20
)

// Deps is what the provisioner works with.
type Deps struct {
	Actions  *actions_service.Service
	Identity identity.Provider
	RootURL  string
	Metrics  *metrics.Metrics // nil: not measured
}

// Provisioner keeps the pools of one server.
type Provisioner struct {
	deps   Deps
	pools  []*pool
	holder string // this process, as the rows it holds name it
	m      *poolMetrics

	wake chan struct{} // a start command exited

	mu       sync.Mutex
	procs    map[int64]*proc // by row id: the start commands this process runs
	observer func(Event)
	stops    sync.WaitGroup // stop commands under way
}

// pool is one configured pool with what start-up resolved.
type pool struct {
	options.Pool
	scope    identity.Scope
	servable actions_service.Servable
	groupID  int64 // 0 for a repository's pool

	// This process's backoff after failed starts.
	failures  int
	notBefore time.Time
}

// backOff counts a failed start: the next waits backoffBase, doubled for
// each failure in a row, up to backoffMax.
func (pl *pool) backOff(now time.Time) {
	pl.failures++
	pl.notBefore = now.Add(min(backoffBase<<min(pl.failures-1, 16), backoffMax))
}

// New resolves the pools' scopes and groups: one that does not exist is
// refused here, naming the section and key, so that serve does not start.
// ctx carries the database.
func New(ctx context.Context, pools []options.Pool, d Deps) (*Provisioner, error) {
	id := make([]byte, 8)
	_, _ = rand.Read(id) // crypto/rand does not fail
	p := &Provisioner{deps: d, holder: hex.EncodeToString(id), wake: make(chan struct{}, 1), procs: map[int64]*proc{}}
	for _, o := range pools {
		pl, err := resolve(ctx, d.Identity, o)
		if err != nil {
			return nil, err
		}
		p.pools = append(p.pools, pl)
	}
	if d.Metrics != nil {
		m, err := newPoolMetrics(ctx, d.Metrics, p)
		if err != nil {
			return nil, err
		}
		p.m = m
	}
	return p, nil
}

func resolve(ctx context.Context, ip identity.Provider, o options.Pool) (*pool, error) {
	section := "[" + options.PoolSectionPrefix + o.Name + "]"
	ref, err := identity.ParseScopeRef(o.Scope)
	if err != nil {
		return nil, fmt.Errorf("%s SCOPE: %w", section, err)
	}
	sc, err := identity.ResolveScope(ctx, ip, ref)
	if errors.Is(err, errs.NotFound) {
		return nil, fmt.Errorf("%s SCOPE: %q does not exist: %w", section, o.Scope, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s SCOPE: %w", section, err)
	}
	pl := &pool{Pool: o, scope: sc}
	if sc.Repo == nil {
		var g *actions_model.RunnerGroup
		if o.Group == "" {
			g, err = actions_model.EnsureDefaultRunnerGroup(ctx, sc.OwnerID())
		} else {
			g, err = actions_model.GetRunnerGroupByName(ctx, sc.OwnerID(), o.Group)
			if errors.Is(err, errs.NotFound) {
				return nil, fmt.Errorf("%s GROUP: %s has no runner group %q", section, sc, o.Group)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s GROUP: %w", section, err)
		}
		pl.groupID = g.ID
	}
	pl.servable = actions_service.Servable{OwnerID: sc.OwnerID(), RepoID: sc.RepoID(), GroupID: pl.groupID, Labels: o.Labels}
	return pl, nil
}

// Event is something the provisioner did, for an observer.
type Event struct {
	Kind     string // EventStarted, EventReady, EventFailed or EventStopped
	Pool     string
	RunnerID int64
	JobID    int64     // the job it was started for; 0 for a warm runner
	At       time.Time // when it happened
	Outcome  string    // for EventFailed: the failure, as the starts metric counts it
}

// Kinds of Event.
const (
	EventStarted = "started" // the start command is running
	EventReady   = "ready"   // its runner was seen in touch
	EventFailed  = "failed"  // the start failed and the runner was removed
	EventStopped = "stopped" // an idle runner no longer needed was removed
)

// Observe installs fn to hear every Event, synchronously: it must not
// block. For tests and logs; call it before Start.
func (p *Provisioner) Observe(fn func(Event)) {
	p.mu.Lock()
	p.observer = fn
	p.mu.Unlock()
}

func (p *Provisioner) emit(e Event) {
	p.mu.Lock()
	fn := p.observer
	p.mu.Unlock()
	if fn != nil {
		fn(e)
	}
}

// Start runs the pools until the returned stop is called. stop removes the
// runners that have not taken a job and ends their start commands; those
// that took one run it to the end, no longer held by this process.
func (p *Provisioner) Start(ctx context.Context) (stop func()) {
	if len(p.pools) == 0 {
		return func() {}
	}
	ctx = actions_service.WithActor(ctx, actions_service.Actor{Name: "provisioner"}) // for the audit log
	run, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.loop(run)
	}()
	return func() {
		cancel()
		<-done
		p.shutdown(context.WithoutCancel(ctx))
	}
}

// loop looks at the pools when a job is queued (in this process at once,
// in another within TASKS_VERSION_RECHECK, as held polls hear of it), when
// a start command exits, and every housekeepEvery.
func (p *Provisioner) loop(ctx context.Context) {
	recheck := min(max(p.deps.Actions.TasksVersionRecheck(), 10*time.Millisecond), housekeepEvery)
	tick := time.NewTicker(recheck)
	defer tick.Stop()
	seen := int64(-1)
	var last time.Time
	for {
		next, version, err := p.deps.Actions.NextQueueChange(ctx)
		if err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "provisioner: read the queue's version", "err", err)
		}
		if now := time.Now(); version != seen || now.Sub(last) >= housekeepEvery {
			seen, last = version, now
			p.reconcileAll(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-next:
		case <-p.wake:
			last = time.Time{} // a command exited: look at once
		case <-tick.C:
		}
	}
}

func (p *Provisioner) reconcileAll(ctx context.Context) {
	if err := p.renew(ctx); err != nil && ctx.Err() == nil {
		slog.WarnContext(ctx, "provisioner: renew this process's pool runners", "err", err)
	}
	for _, pl := range p.pools {
		if err := p.reconcile(ctx, pl); err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "provisioner: pool pass failed; trying again", "pool", pl.Name, "err", err)
		}
	}
	p.reapProcs()
}
