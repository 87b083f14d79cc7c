package actions

import (
	"context"
	"slices"
	"sync"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// groupRoutes keeps, per runner, the group it is in and what that group
// serves, so that claims read neither on most polls. An entry is good while
// the groups version of the runner's scope is the one it was read under:
// every change to a group's visibility or targets, and every move of a
// runner between groups, bumps that version in its transaction, and the
// version comes with the tasks_version a poll reads anyway. So a change
// takes effect at the runner's next poll, in every process, at no cost to
// the polls in between.
type groupRoutes struct {
	mu      sync.Mutex
	runners map[int64]routeEntry
	// shared holds one copy of each (group, version)'s route, which the
	// entries of that group's runners point to.
	shared map[[2]int64]*route
}

type routeEntry struct {
	groups int64 // the scope's groups version the route was read under
	route  *route
}

// route is what a runner may take beyond its scope: everything (an "all"
// group, or no group), or only the jobs of its selected group's targets.
type route struct {
	groupID    int64
	version    int64 // the group's version: names exactly these targets
	restricted bool
	targets    *actions_model.JobTargets // set when restricted
}

// maxRoutesKept bounds the memory of routes: past it, all are forgotten
// and read again as claims need them.
const maxRoutesKept = 100000

func newGroupRoutes() *groupRoutes {
	return &groupRoutes{runners: map[int64]routeEntry{}, shared: map[[2]int64]*route{}}
}

// get returns the runner's route under the scope's groups version, reading
// it when the copy in hand was read under another.
func (c *groupRoutes) get(ctx context.Context, runnerID, groups int64) (*route, error) {
	c.mu.Lock()
	e, ok := c.runners[runnerID]
	c.mu.Unlock()
	if ok && e.groups == groups {
		return e.route, nil
	}
	gr, err := actions_model.GetRunnerRoute(ctx, runnerID)
	if err != nil {
		return nil, err
	}
	rt := &route{groupID: gr.GroupID, version: gr.Version, restricted: gr.Visibility == actions_model.GroupVisibilitySelected}
	if rt.restricted {
		slices.Sort(gr.Targets.RepoIDs)
		slices.Sort(gr.Targets.OwnerIDs)
		rt.targets = &gr.Targets
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.runners) >= maxRoutesKept {
		clear(c.runners)
		clear(c.shared)
	}
	key := [2]int64{rt.groupID, rt.version}
	if same, ok := c.shared[key]; ok {
		rt = same
	} else {
		c.shared[key] = rt
	}
	// A concurrent read under a newer version wins; versions only grow.
	if cur, ok := c.runners[runnerID]; !ok || cur.groups <= groups {
		c.runners[runnerID] = routeEntry{groups: groups, route: rt}
	}
	return rt, nil
}

// drop forgets a runner's route, when it is removed.
func (c *groupRoutes) drop(runnerID int64) {
	c.mu.Lock()
	delete(c.runners, runnerID)
	c.mu.Unlock()
}
