package actions

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
)

// FetchResult is FetchTask's answer: a task or none, and the version of the
// runner's scope to send back next time.
type FetchResult struct {
	Task         *Assignment
	TasksVersion int64
	// WaitRefused says the poll could have waited for a job but as many
	// polls as FETCH_TASK_MAX_WAITING already do: this process is serving a
	// large fleet, and should not keep the runner's connection open either.
	WaitRefused bool
}

// candidatesPerKey bounds how many waiting jobs of one label set a claim
// tries before giving up to a faster runner; losing all of them is rare.
const candidatesPerKey = 3

// errNothingClaimed rolls back the runner's task slot when every candidate
// was taken by someone else.
var errNothingClaimed = errors.New("no candidate job could be claimed")

// errRunnerNotClaimable says the database refused the runner a task slot:
// it was removed or disabled, or an ephemeral runner's one slot is used,
// maybe by another process, while this process's copy did not know yet.
var errRunnerNotClaimable = errors.New("runner may not take a task")

// FetchTask hands the runner the oldest waiting job it can serve, if there is
// one it has not been told about yet. When there is none and ctx carries a
// deadline (act_runner's fetch_timeout arrives as the request's timeout), it
// waits for one to be queued, up to FETCH_TASK_WAIT and well before the
// deadline, unless FETCH_TASK_MAX_WAITING polls wait already; a caller that
// states no deadline is answered at once.
func (s *Service) FetchTask(ctx context.Context, r *actions_model.Runner, seenVersion int64) (*FetchResult, error) {
	arrived := time.Now()
	if err := s.touch(ctx, r); err != nil {
		return nil, err
	}
	res, err := s.fetchOnce(ctx, r, seenVersion, arrived)
	if err != nil || res.Task != nil || r.Disabled || (r.Ephemeral && r.TaskCount > 0) {
		return res, err
	}
	hold := s.holdFor(ctx)
	if hold <= 0 {
		return res, nil
	}
	if !s.versions.join(ctx, s.opts.FetchTaskMaxWaiting) {
		res.WaitRefused = true
		return res, nil
	}
	defer s.versions.leave()
	deadline := time.Now().Add(hold)
	for {
		changed, err := s.versions.wait(ctx, r.OwnerID, r.RepoID, res.TasksVersion, deadline)
		if err != nil || !changed {
			return res, err
		}
		if res, err = s.fetchOnce(ctx, r, res.TasksVersion, arrived); err != nil || res.Task != nil {
			return res, err
		}
	}
}

// holdMargin is left between the end of a waiting poll and the client's
// deadline, for the claim and the answer's way back.
const holdMargin = time.Second

// holdFor says how long a poll with nothing to hand out may wait.
func (s *Service) holdFor(ctx context.Context) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok || s.opts.FetchTaskWait <= 0 || s.opts.FetchTaskMaxWaiting <= 0 {
		return 0
	}
	return min(s.opts.FetchTaskWait, time.Until(deadline)-holdMargin)
}

// fetchOnce answers a poll from what is there now: a claim it makes sees
// every job committed before the poll arrived, and every job the version it
// answers with counts.
func (s *Service) fetchOnce(ctx context.Context, r *actions_model.Runner, seenVersion int64, arrived time.Time) (*FetchResult, error) {
	latest, groups, readAt, err := s.versions.get(ctx, r.OwnerID, r.RepoID)
	if err != nil {
		return nil, err
	}
	res := &FetchResult{TasksVersion: latest}
	if r.Disabled || seenVersion == latest {
		return res, nil
	}
	if r.Ephemeral && r.TaskCount > 0 {
		return res, s.checkEphemeralStillBusy(ctx, r)
	}
	notBefore := readAt
	if arrived.After(notBefore) {
		notBefore = arrived
	}
	task, err := s.claim(ctx, r, groups, notBefore)
	if errors.Is(err, errRunnerNotClaimable) {
		return res, s.refreshRunner(ctx, r)
	}
	if errors.Is(err, errNothingClaimed) {
		// Faster runners took every candidate; more may wait. The version
		// the runner sent makes it look again on its next poll.
		res.TasksVersion = seenVersion
		return res, nil
	}
	if err != nil || task == nil {
		return res, err
	}
	res.Task, err = s.assignment(ctx, task)
	return res, err
}

// refreshRunner replaces the cached copy of a runner the database refused
// a task, and tells a removed runner so at once rather than when the copy
// expires.
func (s *Service) refreshRunner(ctx context.Context, r *actions_model.Runner) error {
	fresh, err := actions_model.GetRunnerByUUID(ctx, r.UUID)
	if err != nil {
		return err
	}
	s.runners.put(fresh, s.now())
	if fresh.IsDeleted() {
		return ErrRunnerRemoved
	}
	return nil
}

// checkEphemeralStillBusy answers an ephemeral runner that already has its
// one task: nothing while the task runs, removal once it is over.
func (s *Service) checkEphemeralStillBusy(ctx context.Context, r *actions_model.Runner) error {
	if _, running, err := actions_model.GetRunningTaskOfRunner(ctx, r.ID); err != nil || running {
		return err
	}
	// The task ended but retirement has not reached this process's view yet.
	if fresh, err := actions_model.GetRunnerByUUID(ctx, r.UUID); err != nil || fresh.IsDeleted() {
		s.runners.drop(r.UUID)
		if err != nil {
			return err
		}
		return ErrRunnerRemoved
	}
	return nil
}

// claim atomically takes one job for r, or returns nil when there is none,
// or errNothingClaimed when others took every candidate first. What it
// reads of label sets and waiting jobs was read after notBefore; reads that
// concurrent claims already made after it are shared. groups is the groups
// version of r's scope, under which r's group is read.
func (s *Service) claim(ctx context.Context, r *actions_model.Runner, groups int64, notBefore time.Time) (*actions_model.Task, error) {
	keys, err := s.labelSets.matching(ctx, r.LabelNames(), notBefore)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	scope := actions_model.JobScope{OwnerID: r.OwnerID, RepoID: r.RepoID}
	var rt route // a repository runner is in no group: its scope says it all
	if r.RepoID == 0 {
		got, err := s.routes.get(ctx, r.ID, groups)
		if err != nil {
			return nil, err
		}
		rt = *got
		r.RunnerGroupID = rt.groupID // as it is now, for the job's events
		if rt.restricted && rt.targets.Len() == 0 {
			return nil, nil // a selected group with nothing selected serves nothing
		}
	}
	type candidate struct {
		id  int64
		key waitingKey
	}
	var candidates []candidate
	for _, k := range keys {
		key := waitingKey{scope: scope, labelKey: k}
		if rt.restricted {
			key.group, key.groupVersion = rt.groupID, rt.version
		}
		ids, err := s.waiting.find(ctx, key, rt.targets, notBefore)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			candidates = append(candidates, candidate{id, key})
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	slices.SortFunc(candidates, func(a, b candidate) int { return cmp.Compare(a.id, b.id) }) // oldest first across label sets

	var task *actions_model.Task
	var won candidate
	missed := map[waitingKey]bool{}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if ok, err := actions_model.ClaimTaskSlot(ctx, r); err != nil || !ok {
			return cmp.Or(err, errRunnerNotClaimable)
		}
		now := s.now().Unix()
		for _, c := range candidates {
			ok, err := actions_model.ClaimJob(ctx, c.id, now)
			if err != nil {
				return err
			}
			if !ok {
				missed[c.key] = true // another runner won this one
				continue
			}
			won = c
			task, err = s.createTask(ctx, c.id, r, now)
			return err
		}
		return errNothingClaimed
	})
	for key := range missed {
		s.waiting.missed(key)
	}
	if err != nil {
		return nil, err
	}
	if task != nil {
		s.waiting.took(won.key, won.id)
		s.runners.update(r.UUID, func(c *actions_model.Runner) { c.TaskCount++ })
		r.TaskCount++
	}
	return task, nil
}

func (s *Service) createTask(ctx context.Context, jobID int64, r *actions_model.Runner, now int64) (*actions_model.Task, error) {
	job, err := actions_model.GetRunJobByID(ctx, jobID)
	if err != nil {
		return nil, err
	}
	run, err := actions_model.GetRunByID(ctx, job.RunID)
	if err != nil {
		return nil, err
	}
	t := &actions_model.Task{
		JobID:     job.ID,
		RunID:     job.RunID,
		Attempt:   job.Attempt,
		RunnerID:  r.ID,
		OwnerID:   job.OwnerID,
		RepoID:    job.RepoID,
		CommitSHA: run.CommitSHA,
		Status:    actions_model.StatusRunning,
		Started:   now,
	}
	token := mintRuntimeToken(t, now, s.opts.JobTimeout)
	if err := actions_model.CreateTask(ctx, t); err != nil {
		return nil, err
	}
	if err := actions_model.SetJobTask(ctx, job.ID, t.ID); err != nil {
		return nil, err
	}
	if run.Status == actions_model.StatusWaiting {
		run.Status, run.Started = actions_model.StatusRunning, now
		if err := actions_model.UpdateRun(ctx, run, "status", "started"); err != nil {
			return nil, err
		}
	}
	job.Status, job.TaskID, job.Started = actions_model.StatusRunning, t.ID, now
	if err := s.jobChanged(ctx, JobChange{Job: job, Task: t, Runner: r}); err != nil {
		return nil, err
	}
	t.RuntimeToken = token
	return t, nil
}
