package webhook

import (
	"cmp"
	"slices"
	"sync"
	"time"

	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
)

// hooksPerPass bounds the webhooks one dispatch looks at; the others come
// first in the next pass (the scan goes round from where it stopped).
const hooksPerPass = 256

// scheduler shares this process's delivery workers between webhooks and
// their owners: at most perHook deliveries to one webhook and perOwner to
// one owner's webhooks are under way at once, and free workers go round
// the owners in turn, then round each owner's webhooks. A receiver that
// never answers therefore holds at most perHook workers, and one owner's
// receivers at most perOwner, which is fewer than all: the others' events
// still go out at once. The limits hold per process; several processes
// sharing a database each apply them.
type scheduler struct {
	perHook, perOwner int
	quietFor          time.Duration

	mu          sync.Mutex
	hookBusy    map[int64]int
	ownerBusy   map[int64]int
	quietUntil  map[int64]time.Time // hooks that had nothing due, not to be scanned again before then
	ownerCursor int64               // the owner served last: the next pass starts after it
	hookCursor  map[int64]int64     // per owner, the webhook served last
	scanCursor  int64               // the webhook served last: the next scan starts after it
}

func newScheduler(perHook, perOwner int, quietFor time.Duration) *scheduler {
	return &scheduler{
		perHook: perHook, perOwner: perOwner, quietFor: quietFor,
		hookBusy: map[int64]int{}, ownerBusy: map[int64]int{}, quietUntil: map[int64]time.Time{}, hookCursor: map[int64]int64{},
	}
}

// plan orders the webhooks with pending deliveries fairly and says how
// many due deliveries of each to read: owners in turn from the one after
// the last served, each owner's webhooks in turn likewise, each webhook as
// many as it and its owner have room for.
func (sc *scheduler) plan(hooks []webhook_model.HookOwner, now time.Time) []webhook_model.HookQuota {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	byOwner := map[int64][]int64{}
	var owners []int64
	for _, h := range hooks {
		if until, ok := sc.quietUntil[h.ID]; ok {
			if now.Before(until) {
				continue
			}
			delete(sc.quietUntil, h.ID)
		}
		if sc.hookBusy[h.ID] >= sc.perHook || sc.ownerBusy[h.OwnerID] >= sc.perOwner {
			continue
		}
		if _, seen := byOwner[h.OwnerID]; !seen {
			owners = append(owners, h.OwnerID)
		}
		byOwner[h.OwnerID] = append(byOwner[h.OwnerID], h.ID)
	}
	rotate(owners, sc.ownerCursor)
	var out []webhook_model.HookQuota
	for _, o := range owners {
		ids := byOwner[o]
		rotate(ids, sc.hookCursor[o])
		room := sc.perOwner - sc.ownerBusy[o]
		for _, id := range ids {
			out = append(out, webhook_model.HookQuota{HookID: id, N: min(sc.perHook-sc.hookBusy[id], room)})
		}
	}
	return out
}

// pick chooses up to free of the due deliveries read for plan, in rounds:
// each webhook's oldest first, the next owner's next, and so on, within
// the limits. Webhooks that had nothing due rest for quietFor, unless a
// delivery of theirs is under way (its end wakes the workers) or a new
// event is written for them (touch).
func (sc *scheduler) pick(plan []webhook_model.HookQuota, owners map[int64]int64, due []*webhook_model.HookTask, free int, now time.Time) []*webhook_model.HookTask {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	perHook := map[int64][]*webhook_model.HookTask{}
	for _, t := range due {
		perHook[t.HookID] = append(perHook[t.HookID], t)
	}
	for _, q := range plan {
		if len(perHook[q.HookID]) == 0 && sc.hookBusy[q.HookID] == 0 {
			sc.quietUntil[q.HookID] = now.Add(sc.quietFor)
		}
	}
	taken := map[int64]int{}
	ownerTaken := map[int64]int{}
	var out []*webhook_model.HookTask
	for round, more := 0, true; more && len(out) < free; round++ {
		more = false
		for _, q := range plan {
			ts := perHook[q.HookID]
			if round >= len(ts) || len(out) >= free {
				continue
			}
			more = true
			o := owners[q.HookID]
			if sc.hookBusy[q.HookID]+taken[q.HookID] >= sc.perHook || sc.ownerBusy[o]+ownerTaken[o] >= sc.perOwner {
				continue
			}
			taken[q.HookID]++
			ownerTaken[o]++
			out = append(out, ts[round])
		}
	}
	return out
}

// start counts a claimed delivery as under way and moves the cursors past it.
func (sc *scheduler) start(hookID, ownerID int64) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.hookBusy[hookID]++
	sc.ownerBusy[ownerID]++
	sc.hookCursor[ownerID], sc.ownerCursor, sc.scanCursor = hookID, ownerID, hookID
}

// done counts a delivery as finished.
func (sc *scheduler) done(hookID, ownerID int64) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.hookBusy[hookID]--; sc.hookBusy[hookID] <= 0 {
		delete(sc.hookBusy, hookID)
	}
	if sc.ownerBusy[ownerID]--; sc.ownerBusy[ownerID] <= 0 {
		delete(sc.ownerBusy, ownerID)
	}
}

// touch ends the rest of webhooks that have just been given new events.
func (sc *scheduler) touch(hookIDs []int64) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, id := range hookIDs {
		delete(sc.quietUntil, id)
	}
}

// cursor is where the next scan for webhooks with pending deliveries starts.
func (sc *scheduler) cursor() int64 {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.scanCursor
}

// rotate sorts ids ascending and turns them so that the first is the
// first one after cursor.
func rotate(ids []int64, cursor int64) {
	slices.SortFunc(ids, cmp.Compare)
	i, _ := slices.BinarySearch(ids, cursor+1)
	if i > 0 && i < len(ids) {
		slices.Reverse(ids[:i])
		slices.Reverse(ids[i:])
		slices.Reverse(ids)
	}
}
