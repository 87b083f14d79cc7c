package actions

import (
	"context"
	"sync"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// waitingJobs shares the look-ups of waiting jobs among concurrent claims.
// A queued job wakes every waiting poll of its scope at once; without this,
// each would query the claim index for each of its label sets, and nearly
// all would find nothing. A look-up serves every claim that read its
// tasks_version before the look-up began (jobs are only added with a
// version bump, which makes later claims look again), until a claim takes
// or misses one of its jobs.
type waitingJobs struct {
	mu      sync.Mutex
	lookups map[waitingKey]*waitingLookup
	taken   map[int64]time.Time // jobs this process claimed, and when
}

type waitingKey struct {
	scope actions_model.JobScope
	// group and groupVersion name the targets of a selected runner group
	// the look-up is limited to; 0 when it is not.
	group, groupVersion int64
	labelKey            string
}

type waitingLookup struct {
	began time.Time
	ready chan struct{} // closed when ids and err are set
	ids   []int64
	err   error
}

// maxWaitingLookups bounds the memory of look-ups kept: past it, they are
// all forgotten and made again as claims need them.
const maxWaitingLookups = 10000

func newWaitingJobs() *waitingJobs {
	return &waitingJobs{lookups: map[waitingKey]*waitingLookup{}, taken: map[int64]time.Time{}}
}

// find returns up to candidatesPerKey waiting jobs of the label key in the
// scope (and of targets, which key names, when set), oldest first, from a
// look-up that began after notBefore, leaving out those this process
// claimed since that look-up began.
func (w *waitingJobs) find(ctx context.Context, key waitingKey, targets *actions_model.JobTargets, notBefore time.Time) ([]int64, error) {
	w.mu.Lock()
	l := w.lookups[key]
	if l == nil || l.began.Before(notBefore) {
		l = &waitingLookup{began: time.Now(), ready: make(chan struct{})}
		if len(w.lookups) >= maxWaitingLookups {
			clear(w.lookups)
			clear(w.taken)
		}
		w.lookups[key] = l
		w.mu.Unlock()
		// Others wait for this look-up: one caller giving up must not fail it.
		l.ids, l.err = findWaiting(context.WithoutCancel(ctx), key, targets)
		close(l.ready)
		if l.err != nil {
			w.forget(key, l)
		}
	} else {
		w.mu.Unlock()
	}
	select {
	case <-l.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if l.err != nil {
		return nil, l.err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]int64, 0, len(l.ids))
	for _, id := range l.ids {
		// Claimed before the look-up began, a job it found waiting was
		// queued again since; claimed after, the look-up is out of date.
		if at, ok := w.taken[id]; !ok || at.Before(l.began) {
			out = append(out, id)
		}
	}
	return out, nil
}

// forget drops a look-up whose jobs were taken or missed.
func (w *waitingJobs) forget(key waitingKey, l *waitingLookup) {
	w.mu.Lock()
	if w.lookups[key] == l {
		delete(w.lookups, key)
	}
	w.mu.Unlock()
}

// missed forgets the look-up of key: one of its jobs went to someone else.
func (w *waitingJobs) missed(key waitingKey) {
	w.mu.Lock()
	delete(w.lookups, key)
	w.mu.Unlock()
}

// took notes a job this process claimed (after the claim committed), and
// forgets the look-up it came from.
func (w *waitingJobs) took(key waitingKey, id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.taken[id] = time.Now()
	delete(w.lookups, key)
	if len(w.taken) > maxTakenKept {
		w.pruneTaken()
	}
}

// maxTakenKept is how many claimed jobs are kept before the useless are dropped.
const maxTakenKept = 1024

// pruneTaken drops the claims older than every look-up: they leave out
// nothing now, nor from the later look-ups.
func (w *waitingJobs) pruneTaken() {
	oldest := time.Now()
	for _, l := range w.lookups {
		if l.began.Before(oldest) {
			oldest = l.began
		}
	}
	for id, at := range w.taken {
		if at.Before(oldest) {
			delete(w.taken, id)
		}
	}
}

// findWaiting queries the claim index for key, limited to targets when set.
func findWaiting(ctx context.Context, key waitingKey, targets *actions_model.JobTargets) ([]int64, error) {
	if targets != nil {
		return actions_model.FindWaitingJobIDsOfTargets(ctx, key.labelKey, key.scope, targets, candidatesPerKey)
	}
	return actions_model.FindWaitingJobIDs(ctx, key.labelKey, key.scope, candidatesPerKey)
}
