package actions

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
)

// What the built-in provisioner (services/provisioner) asks of the runner
// service: which waiting jobs a runner it would start could take, when to
// look again, and removing a runner it started that took no job.

// Servable is what a runner that does not exist yet would serve: its scope
// (OwnerID, RepoID as a runner's), its group (0: none, or the scope's
// default) and its labels as act_runner declares them (name[:scheme]).
type Servable struct {
	OwnerID, RepoID int64
	GroupID         int64
	Labels          []string
}

// WaitingJobsFor returns up to limit ids of waiting jobs, oldest first,
// that a runner of sv could claim now: the same label, scope and group
// rules as a claim.
func (s *Service) WaitingJobsFor(ctx context.Context, sv Servable, limit int) ([]int64, error) {
	names := make([]string, len(sv.Labels))
	for i, l := range sv.Labels {
		names[i], _, _ = strings.Cut(l, ":")
	}
	keys, err := s.labelSets.matching(ctx, names, time.Now())
	if err != nil || len(keys) == 0 || limit <= 0 {
		return nil, err
	}
	targets, err := groupTargets(ctx, sv)
	if err != nil {
		return nil, err
	}
	if targets != nil && targets.Len() == 0 {
		return nil, nil // a selected group with nothing selected serves nothing
	}
	scope := actions_model.JobScope{OwnerID: sv.OwnerID, RepoID: sv.RepoID}
	var ids []int64
	for _, k := range keys {
		var found []int64
		if targets != nil {
			found, err = actions_model.FindWaitingJobIDsOfTargets(ctx, k, scope, targets, limit)
		} else {
			found, err = actions_model.FindWaitingJobIDs(ctx, k, scope, limit)
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, found...)
	}
	slices.SortFunc(ids, cmp.Compare)
	return ids[:min(len(ids), limit)], nil
}

// groupTargets is what sv's group limits it to: nil for everything (no
// group, or a group of visibility "all").
func groupTargets(ctx context.Context, sv Servable) (*actions_model.JobTargets, error) {
	if sv.GroupID == 0 || sv.RepoID != 0 {
		return nil, nil
	}
	g, err := actions_model.GetRunnerGroupByID(ctx, sv.GroupID)
	if err != nil || !g.IsSelected() {
		return nil, err
	}
	ts, err := actions_model.GetRunnerGroupTargets(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	targets := &actions_model.JobTargets{}
	for _, t := range ts {
		switch {
		case t.RepoID != 0:
			targets.RepoIDs = append(targets.RepoIDs, t.RepoID)
		case t.OwnerID != 0:
			targets.OwnerIDs = append(targets.OwnerIDs, t.OwnerID)
		}
	}
	return targets, nil
}

// RemoveUnusedRunner removes an ephemeral runner that never took a job,
// with an audit entry giving reason; false when it took one meanwhile (a
// claim racing with this either counted its task first, and the runner
// stays, or finds it removed) or is gone already.
func (s *Service) RemoveUnusedRunner(ctx context.Context, id int64, reason string) (bool, error) {
	err := db.WithTx(ctx, func(ctx context.Context) error {
		r, err := actions_model.GetRunnerByID(ctx, id)
		if err != nil {
			return err
		}
		ok, err := actions_model.DeleteIdleEphemeralRunner(ctx, id, s.now().Unix())
		if err != nil || !ok {
			return errors.Join(err, errLost)
		}
		s.forgetRunnerAfterCommit(ctx, r.UUID)
		return s.auditRunner(ctx, r, AuditRunnerDeleted, reason)
	})
	if errors.Is(err, errLost) || errors.Is(err, db.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// RunnersByID returns the runners with these ids as stored, removed ones
// too (Deleted set); an id with no row is left out.
func (s *Service) RunnersByID(ctx context.Context, ids []int64) (map[int64]*actions_model.Runner, error) {
	return actions_model.GetRunnersByIDsAnyState(ctx, ids)
}

// NextQueueChange returns a channel closed when this process next commits
// a tasks_version bump (a job queued or re-queued, a runner enabled, a
// group changed), and the instance's tasks_version now, which every bump
// of any process moves. A watcher gets the channel first and then the
// version, so that it misses no bump between the two.
func (s *Service) NextQueueChange(ctx context.Context) (<-chan struct{}, int64, error) {
	_, next := s.versions.bumps.get()
	v, _, _, err := s.versions.instance(ctx)
	return next, v, err
}

// QueueVersion is the instance's tasks_version, at most
// TASKS_VERSION_RECHECK old: it moves when any process queues a job.
func (s *Service) QueueVersion(ctx context.Context) (int64, error) {
	v, _, _, err := s.versions.instance(ctx)
	return v, err
}

// TasksVersionRecheck is how late this process may hear of a job another
// process queued.
func (s *Service) TasksVersionRecheck() time.Duration { return s.opts.TasksVersionRecheck }
