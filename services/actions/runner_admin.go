package actions

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// RunnerInfo is a runner as its managers see it.
type RunnerInfo struct {
	*actions_model.Runner
	Online bool
	// Task is the runner's unfinished task and Job its job, nil when it is idle.
	Task *actions_model.Task
	Job  *actions_model.RunJob
	// Group is the runner group it is in; nil for a repository runner.
	Group *actions_model.RunnerGroup
}

// Busy reports whether the runner is running a task.
func (r *RunnerInfo) Busy() bool { return r.Task != nil }

// RunnerFilter selects runners for ListRunners; zero values select all.
type RunnerFilter struct {
	Disabled       *bool  // only disabled (true) or only enabled (false) runners
	Name           string // only the runner of this name (GitHub's ?name=)
	Page, PageSize int    // PageSize 0: all of them
}

// ListRunners returns a page of the scope's live runners that pass f and how
// many pass in all. The instance scope, which only admins manage, lists
// every runner of every scope, as Gitea's admin page does.
func (s *Service) ListRunners(ctx context.Context, sc identity.Scope, f RunnerFilter) ([]*RunnerInfo, int64, error) {
	rs, total, err := actions_model.FindRunners(ctx, actions_model.FindRunnerOptions{
		OwnerID: sc.OwnerID(), RepoID: sc.RepoID(), AnyScope: sc.IsInstance(),
		Disabled: f.Disabled, Name: f.Name, Page: f.Page, PageSize: f.PageSize,
	})
	if err != nil {
		return nil, 0, err
	}
	infos, err := s.runnerInfos(ctx, rs)
	return infos, total, err
}

// GetRunner returns one runner the scope may manage; any other is NotFound,
// so a scope learns nothing of another's runners.
func (s *Service) GetRunner(ctx context.Context, sc identity.Scope, id int64) (*RunnerInfo, error) {
	r, err := s.getScopedRunner(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	infos, err := s.runnerInfos(ctx, []*actions_model.Runner{r})
	if err != nil {
		return nil, err
	}
	return infos[0], nil
}

func (s *Service) getScopedRunner(ctx context.Context, sc identity.Scope, id int64) (*actions_model.Runner, error) {
	r, err := actions_model.GetRunnerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sc.IsInstance() && (r.OwnerID != sc.OwnerID() || r.RepoID != sc.RepoID()) {
		return nil, fmt.Errorf("runner %d: %w", id, errs.NotFound)
	}
	return r, nil
}

func (s *Service) runnerInfos(ctx context.Context, rs []*actions_model.Runner) ([]*RunnerInfo, error) {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	running, err := actions_model.FindRunningTasksOfRunners(ctx, ids)
	if err != nil {
		return nil, err
	}
	jobIDs := make([]int64, 0, len(running))
	for _, t := range running {
		jobIDs = append(jobIDs, t.JobID)
	}
	jobs, err := actions_model.GetRunJobsByIDs(ctx, jobIDs)
	if err != nil {
		return nil, err
	}
	groupIDs := make([]int64, 0, len(rs))
	for _, r := range rs {
		groupIDs = append(groupIDs, r.RunnerGroupID)
	}
	groups, err := actions_model.GetRunnerGroupsByIDs(ctx, groupIDs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]*RunnerInfo, len(rs))
	for i, r := range rs {
		info := &RunnerInfo{Runner: r, Online: r.IsOnline(now, s.opts.RunnerOfflineAfter), Task: running[r.ID], Group: groups[r.RunnerGroupID]}
		if info.Task != nil {
			info.Job = jobs[info.Task.JobID]
		}
		out[i] = info
	}
	return out, nil
}

// SetRunnerDisabled disables or enables a runner of the scope. A disabled
// runner is given no new task but finishes the one it has.
func (s *Service) SetRunnerDisabled(ctx context.Context, sc identity.Scope, id int64, disabled bool) (*RunnerInfo, error) {
	var r *actions_model.Runner
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.getScopedRunner(ctx, sc, id); err != nil {
			return err
		}
		if r.Disabled == disabled {
			return nil
		}
		r.Disabled = disabled
		if err := actions_model.UpdateRunner(ctx, r, "disabled"); err != nil {
			return err
		}
		s.forgetRunnerAfterCommit(ctx, r.UUID)
		if err := s.auditRunner(ctx, r, map[bool]string{true: AuditRunnerDisabled, false: AuditRunnerEnabled}[disabled], ""); err != nil {
			return err
		}
		if disabled {
			return nil
		}
		// While disabled, the runner's polls were answered with its scope's
		// current version; bumping it makes the runner look for jobs again.
		return s.bumpTasksVersion(ctx, r.OwnerID, r.RepoID)
	})
	if err != nil {
		return nil, err
	}
	return s.GetRunner(ctx, sc, id)
}

// DeleteRunner removes a runner of the scope. A task it is running is
// cancelled, so that its job is not left hanging; the runner's next call
// is told it was removed.
func (s *Service) DeleteRunner(ctx context.Context, sc identity.Scope, id int64) error {
	r, err := s.getScopedRunner(ctx, sc, id)
	if err != nil {
		return err
	}
	return s.Deregister(ctx, r, true)
}

// RunnerTask is one of a runner's tasks with the job it ran.
type RunnerTask struct {
	*actions_model.Task
	Job *actions_model.RunJob // nil if the job is gone
}

// ListRunnerTasks returns the newest tasks of a runner of the scope.
func (s *Service) ListRunnerTasks(ctx context.Context, sc identity.Scope, id int64, limit int) ([]*RunnerTask, error) {
	if _, err := s.getScopedRunner(ctx, sc, id); err != nil {
		return nil, err
	}
	ts, err := actions_model.FindTasksOfRunner(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	jobIDs := make([]int64, len(ts))
	for i, t := range ts {
		jobIDs[i] = t.JobID
	}
	jobs, err := actions_model.GetRunJobsByIDs(ctx, jobIDs)
	if err != nil {
		return nil, err
	}
	out := make([]*RunnerTask, len(ts))
	for i, t := range ts {
		out[i] = &RunnerTask{Task: t, Job: jobs[t.JobID]}
	}
	return out, nil
}
