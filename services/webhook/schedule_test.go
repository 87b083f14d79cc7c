package webhook

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
)

// tenantBacklog is one owner (1) with 20 webhooks, 100 due deliveries
// each, and another owner (2) with one webhook and one due delivery.
func tenantBacklog() ([]webhook_model.HookOwner, map[int64]int64, func(plan []webhook_model.HookQuota) []*webhook_model.HookTask) {
	var hooks []webhook_model.HookOwner
	owners := map[int64]int64{}
	for id := int64(1); id <= 20; id++ {
		hooks = append(hooks, webhook_model.HookOwner{ID: id, OwnerID: 1})
		owners[id] = 1
	}
	hooks = append(hooks, webhook_model.HookOwner{ID: 21, OwnerID: 2})
	owners[21] = 2
	due := func(plan []webhook_model.HookQuota) []*webhook_model.HookTask {
		var out []*webhook_model.HookTask
		for _, q := range plan {
			n := 100
			if q.HookID == 21 {
				n = 1
			}
			for i := range min(n, q.N) {
				out = append(out, &webhook_model.HookTask{ID: q.HookID*1000 + int64(i), HookID: q.HookID})
			}
		}
		return out
	}
	return hooks, owners, due
}

func TestScheduler_OneTenantsBacklogLeavesWorkersForOthers(t *testing.T) {
	sc := newScheduler(2, 8, time.Second)
	hooks, owners, due := tenantBacklog()
	now := time.Now()

	plan := sc.plan(hooks, now)
	picked := sc.pick(plan, owners, due(plan), 16, now)
	perHook, perOwner := map[int64]int{}, map[int64]int{}
	for _, t := range picked {
		perHook[t.HookID]++
		perOwner[owners[t.HookID]]++
		sc.start(t.HookID, owners[t.HookID])
	}
	assert.Equal(t, 1, perOwner[2], "the other owner's delivery goes out in the same pass")
	assert.Equal(t, 8, perOwner[1], "the tenant gets its share, no more")
	for id, n := range perHook {
		assert.LessOrEqual(t, n, 2, "hook %d", id)
	}

	// While the tenant's deliveries hang, a new event of the other owner
	// still finds room; the tenant's webhooks are not even read.
	plan = sc.plan(hooks, now)
	require.Len(t, plan, 1)
	assert.Equal(t, int64(21), plan[0].HookID)

	// One hanging delivery ends: the tenant gets that worker back.
	for _, t := range picked {
		if owners[t.HookID] == 1 {
			sc.done(t.HookID, 1)
			break
		}
	}
	plan = sc.plan(hooks, now)
	again := sc.pick(plan, owners, due(plan), 16, now)
	var tenant []int64
	for _, t := range again {
		if owners[t.HookID] == 1 {
			tenant = append(tenant, t.HookID)
		}
	}
	require.Len(t, tenant, 1)
}

func TestScheduler_GoesRoundTheOwnersAndTheirHooks(t *testing.T) {
	sc := newScheduler(1, 1, time.Second)
	hooks := []webhook_model.HookOwner{{ID: 1, OwnerID: 10}, {ID: 2, OwnerID: 10}, {ID: 3, OwnerID: 20}, {ID: 4, OwnerID: 30}}
	owners := map[int64]int64{1: 10, 2: 10, 3: 20, 4: 30}
	one := func(plan []webhook_model.HookQuota) []*webhook_model.HookTask {
		var out []*webhook_model.HookTask
		for _, q := range plan {
			out = append(out, &webhook_model.HookTask{ID: q.HookID, HookID: q.HookID})
		}
		return out
	}
	now := time.Now()
	var order []int64
	for range 6 {
		plan := sc.plan(hooks, now)
		got := sc.pick(plan, owners, one(plan), 1, now)
		require.Len(t, got, 1)
		order = append(order, got[0].HookID)
		sc.start(got[0].HookID, owners[got[0].HookID])
		sc.done(got[0].HookID, owners[got[0].HookID])
	}
	// One worker: each owner in turn, and owner 10's two webhooks in turn.
	assert.Equal(t, []int64{1, 3, 4, 2, 3, 4}, order)
}

func TestScheduler_HookWithNothingDueRestsUntilTouched(t *testing.T) {
	sc := newScheduler(2, 2, time.Minute)
	hooks := []webhook_model.HookOwner{{ID: 7, OwnerID: 1}}
	now := time.Now()
	plan := sc.plan(hooks, now)
	require.Len(t, plan, 1)
	assert.Empty(t, sc.pick(plan, map[int64]int64{7: 1}, nil, 4, now))
	assert.Empty(t, sc.plan(hooks, now.Add(time.Second)), "backing off: not read again at once")
	assert.Len(t, sc.plan(hooks, now.Add(2*time.Minute)), 1, "read again after the rest")
	sc.pick(sc.plan(hooks, now), map[int64]int64{7: 1}, nil, 4, now)
	sc.touch([]int64{7})
	assert.Len(t, sc.plan(hooks, now), 1, "a new event ends the rest")
}

func TestRotate_StartsAfterTheCursor(t *testing.T) {
	ids := []int64{5, 1, 9, 3}
	rotate(ids, 3)
	assert.Equal(t, []int64{5, 9, 1, 3}, ids)
	rotate(ids, 9)
	assert.Equal(t, []int64{1, 3, 5, 9}, ids)
	rotate(ids, 0)
	assert.Equal(t, []int64{1, 3, 5, 9}, ids)
}
