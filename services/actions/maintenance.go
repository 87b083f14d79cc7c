package actions

import (
	"context"
	"errors"
	"log/slog"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
)

// What the maintenance loop does, by kind: the values of the metric's
// "kind" label and of the log's "kind" attribute.
const (
	MaintenanceStaleTaskFailed      = "stale_task_failed"
	MaintenanceStaleTaskRequeued    = "stale_task_requeued"
	MaintenanceTaskTimedOut         = "task_timed_out"
	MaintenanceIdleEphemeralRemoved = "idle_ephemeral_runner_removed"
	MaintenanceUnusedJITRemoved     = "unused_jit_runner_removed"
	MaintenanceOfflineRunnerRemoved = "offline_runner_removed"
	MaintenanceWaitingJobCancelled  = "waiting_job_cancelled"
	MaintenanceLabelSetRemoved      = "unused_label_set_removed"
)

// maintenanceBatch bounds the rows one rule handles per pass, so a pass
// stays short; what is left waits for the next one.
const maintenanceBatch = 100

// errLost rolls back a maintenance change that another process, or the
// runner itself, made moot in the meantime.
var errLost = errors.New("lost the race")

// MaintenanceReport counts what one pass did, by kind.
type MaintenanceReport map[string]int

// RunMaintenance makes one pass over every rule. Several processes may run
// it at once: each change is a compare-and-set, and losing one is normal.
// It stops at the first database error and returns what was done until then.
func (s *Service) RunMaintenance(ctx context.Context) (MaintenanceReport, error) {
	ctx = WithActor(ctx, Actor{Name: "maintenance"}) // for the audit log
	rep := MaintenanceReport{}
	now := s.now()
	o := s.opts
	// Each rule acts on what is older than its age; an age of 0 switches it off.
	rules := []struct {
		age time.Duration
		run func(ctx context.Context, cutoff int64, rep MaintenanceReport) error
	}{
		{o.TaskStaleAfter, s.endStaleTasks},
		{o.JobTimeout, s.endTimedOutTasks},
		{o.EphemeralIdleAfter, s.removeIdleEphemeralRunners},
		{o.JITUnusedAfter, s.removeUnusedJITRunners},
		{o.RemoveOfflineRunnersAfter, s.removeOfflineRunners},
		{o.WaitingJobMaxAge, s.cancelOldWaitingJobs},
		{o.RemoveUnusedLabelSetsAfter, s.removeUnusedLabelSets}, // after the rules that end jobs
	}
	for _, rule := range rules {
		if rule.age <= 0 {
			continue
		}
		if err := rule.run(ctx, now.Add(-rule.age).Unix(), rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// StartMaintenance runs RunMaintenance every MaintenanceInterval until the
// returned stop is called; stop waits for a pass under way to finish. ctx
// must carry the database engine. With no interval configured it does nothing.
func (s *Service) StartMaintenance(ctx context.Context) (stop func()) {
	if s.opts.MaintenanceInterval <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.opts.MaintenanceInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if _, err := s.RunMaintenance(ctx); err != nil && ctx.Err() == nil {
				slog.WarnContext(ctx, "maintenance pass failed; trying again next interval", "err", err)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// done records one maintenance action in the log and the metrics.
func (s *Service) done(ctx context.Context, rep MaintenanceReport, kind string, attrs ...any) {
	rep[kind]++
	s.recordMaintenance(kind)
	slog.InfoContext(ctx, "maintenance", append([]any{"kind", kind}, attrs...)...)
}

// endStaleTasks ends the running tasks whose runner went silent before
// cutoff: the job is queued again once when the runner never started a
// step, and fails otherwise. An ephemeral runner that went silent is removed
// either way; it took its one job.
func (s *Service) endStaleTasks(ctx context.Context, cutoff int64, rep MaintenanceReport) error {
	tasks, err := actions_model.FindStaleTasks(ctx, cutoff, maintenanceBatch)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		var kind string
		var retired bool
		err := db.WithTx(ctx, func(ctx context.Context) error {
			kind, retired = "", false
			if err := lockRunningTask(ctx, t); err != nil {
				return err
			}
			// The runner may have reported since the candidates were read.
			if silent, err := actions_model.IsRunnerSilentSince(ctx, t.RunnerID, cutoff); err != nil || !silent {
				return errors.Join(err, errLost)
			}
			requeue, err := s.mayRequeue(ctx, t)
			if err != nil {
				return err
			}
			if requeue {
				kind = MaintenanceStaleTaskRequeued
				retired, err = s.requeueTask(ctx, t)
				return err
			}
			kind = MaintenanceStaleTaskFailed
			retired, err = s.endTask(ctx, t, actions_model.StatusFailure)
			return err
		})
		if errors.Is(err, errLost) {
			continue
		}
		if err != nil {
			return err
		}
		s.done(ctx, rep, kind, "task", t.ID, "job", t.JobID, "run", t.RunID, "runner", t.RunnerID, "retired_runner", retired)
	}
	return nil
}

// lockRunningTask holds the task's row for the rest of the transaction, or
// returns errLost when it is no longer running. Another process ending the
// same task waits for this one and then finds it ended, so each end is
// done, logged and counted once.
func lockRunningTask(ctx context.Context, t *actions_model.Task) error {
	ok, err := actions_model.LockRunningTask(ctx, t.ID)
	if err != nil || !ok {
		return errors.Join(err, errLost)
	}
	return nil
}

// mayRequeue reports whether a stale task's job gets another runner: only
// when its runner never started a step, and only once per job attempt.
func (s *Service) mayRequeue(ctx context.Context, t *actions_model.Task) (bool, error) {
	started, err := actions_model.HasTaskStartedStep(ctx, t.ID)
	if err != nil || started {
		return false, err
	}
	n, err := actions_model.CountJobTasks(ctx, t.JobID, t.Attempt)
	return n == 1, err
}

// requeueTask ends the task as failed and puts its job back to waiting,
// where any matching runner can claim it as usual: the claim's
// compare-and-set still gives it to exactly one. It reports whether it
// removed an ephemeral runner.
func (s *Service) requeueTask(ctx context.Context, t *actions_model.Task) (bool, error) {
	now := s.now().Unix()
	if ok, err := actions_model.FinishTask(ctx, t.ID, actions_model.StatusFailure, now); err != nil || !ok {
		return false, errors.Join(err, errLost) // cannot lose: the row is locked; but never act on a lost one
	}
	if ok, err := actions_model.RequeueJob(ctx, t.JobID, t.ID, now); err != nil || !ok {
		return false, errors.Join(err, errLost)
	}
	job, err := actions_model.GetRunJobByID(ctx, t.JobID)
	if err != nil {
		return false, err
	}
	if err := s.queueJob(ctx, job, now); err != nil { // bumps tasks_version: runners look again
		return false, err
	}
	if err := s.jobChanged(ctx, JobChange{Job: job}); err != nil {
		return false, err
	}
	return s.retireEphemeral(ctx, t.RunnerID, now, "its runner went silent before the job started")
}

// endTimedOutTasks fails the tasks that have run longer than the job
// timeout; their runtime token has expired with it.
func (s *Service) endTimedOutTasks(ctx context.Context, cutoff int64, rep MaintenanceReport) error {
	tasks, err := actions_model.FindTasksStartedBefore(ctx, cutoff, maintenanceBatch)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		err := db.WithTx(ctx, func(ctx context.Context) error {
			if err := lockRunningTask(ctx, t); err != nil {
				return err
			}
			_, err := s.endTask(ctx, t, actions_model.StatusFailure)
			return err
		})
		if errors.Is(err, errLost) {
			continue
		}
		if err != nil {
			return err
		}
		s.done(ctx, rep, MaintenanceTaskTimedOut, "task", t.ID, "job", t.JobID, "run", t.RunID, "runner", t.RunnerID, "started", t.Started)
	}
	return nil
}

// removeIdleEphemeralRunners removes ephemeral runners registered before
// cutoff that never took a job.
func (s *Service) removeIdleEphemeralRunners(ctx context.Context, cutoff int64, rep MaintenanceReport) error {
	return s.removeNeverUsed(ctx, actions_model.FindIdleEphemeralRunners, cutoff, rep, MaintenanceIdleEphemeralRemoved, "ephemeral and never took a job")
}

// removeUnusedJITRunners removes the runners made from a JIT config
// before cutoff that never took their job, so that a config handed out and
// never used stops working soon.
func (s *Service) removeUnusedJITRunners(ctx context.Context, cutoff int64, rep MaintenanceReport) error {
	return s.removeNeverUsed(ctx, actions_model.FindUnusedJITRunners, cutoff, rep, MaintenanceUnusedJITRemoved, "made from a JIT config and never took a job")
}

// removeNeverUsed removes the ephemeral runners find returns, each only
// while it still never took a job.
func (s *Service) removeNeverUsed(ctx context.Context, find func(context.Context, int64, int) ([]*actions_model.Runner, error),
	cutoff int64, rep MaintenanceReport, kind, reason string,
) error {
	rs, err := find(ctx, cutoff, maintenanceBatch)
	if err != nil {
		return err
	}
	return s.removeRunners(ctx, rs, rep, kind,
		func(ctx context.Context, r *actions_model.Runner) (bool, error) {
			return actions_model.DeleteIdleEphemeralRunner(ctx, r.ID, s.now().Unix()) // false once it took a job
		},
		func(*actions_model.Runner) string { return reason })
}

// removeOfflineRunners removes non-ephemeral runners out of touch since
// cutoff that run no task; a runner with a task is first handled by the
// stale-task rule.
func (s *Service) removeOfflineRunners(ctx context.Context, cutoff int64, rep MaintenanceReport) error {
	rs, err := actions_model.FindOfflineRunners(ctx, cutoff, maintenanceBatch)
	if err != nil {
		return err
	}
	return s.removeRunners(ctx, rs, rep, MaintenanceOfflineRunnerRemoved,
		func(ctx context.Context, r *actions_model.Runner) (bool, error) {
			return actions_model.DeleteOfflineRunner(ctx, r.ID, cutoff, s.now().Unix()) // false once it came back
		},
		func(r *actions_model.Runner) string {
			return "offline since " + time.Unix(r.LastOnline, 0).UTC().Format(time.RFC3339)
		})
}

// removeRunners removes each runner that remove, a compare-and-set, still
// accepts, with its audit entry; a runner that changed meanwhile, or that
// another process removed first, is skipped.
func (s *Service) removeRunners(ctx context.Context, rs []*actions_model.Runner, rep MaintenanceReport, kind string,
	remove func(context.Context, *actions_model.Runner) (bool, error), reason func(*actions_model.Runner) string,
) error {
	for _, r := range rs {
		err := db.WithTx(ctx, func(ctx context.Context) error {
			ok, err := remove(ctx, r)
			if err != nil || !ok {
				return errors.Join(err, errLost)
			}
			s.forgetRunnerAfterCommit(ctx, r.UUID)
			return s.auditRunner(ctx, r, AuditRunnerDeleted, reason(r))
		})
		if errors.Is(err, errLost) {
			continue
		}
		if err != nil {
			return err
		}
		s.done(ctx, rep, kind, "runner", r.ID, "name", r.Name, "reason", reason(r))
	}
	return nil
}

// cancelOldWaitingJobs cancels jobs that have waited for a runner since
// before cutoff; the jobs that need them are then skipped as usual.
func (s *Service) cancelOldWaitingJobs(ctx context.Context, cutoff int64, rep MaintenanceReport) error {
	jobs, err := actions_model.FindJobsWaitingSince(ctx, cutoff, maintenanceBatch)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		err := db.WithTx(ctx, func(ctx context.Context) error {
			now := s.now().Unix()
			ok, err := actions_model.SetJobStatus(ctx, j.ID, []actions_model.Status{actions_model.StatusWaiting}, actions_model.StatusCancelled, now)
			if err != nil || !ok {
				return errors.Join(err, errLost) // a runner claimed it meanwhile
			}
			cancelled := *j
			cancelled.Status, cancelled.Stopped = actions_model.StatusCancelled, now
			if err := s.jobChanged(ctx, JobChange{Job: &cancelled}); err != nil {
				return err
			}
			return s.advanceRun(ctx, j.RunID)
		})
		if errors.Is(err, errLost) {
			continue
		}
		if err != nil {
			return err
		}
		s.done(ctx, rep, MaintenanceWaitingJobCancelled, "job", j.ID, "run", j.RunID, "queued", j.Queued)
	}
	return nil
}

// removeUnusedLabelSets removes the runs-on label sets that no unfinished
// job has and none has used since cutoff, so that the sets runners are
// matched against, and the waiting-jobs metric, stay as short as the queue.
// A job queued meanwhile marks its set used first (EnsureLabelSet), which
// the removal's compare-and-set sees; a set removed just before a job
// needs it again is created anew.
func (s *Service) removeUnusedLabelSets(ctx context.Context, cutoff int64, rep MaintenanceReport) error {
	sets, err := actions_model.FindUnusedLabelSets(ctx, cutoff, maintenanceBatch)
	if err != nil {
		return err
	}
	for _, set := range sets {
		ok, err := actions_model.DeleteUnusedLabelSet(ctx, set.ID, cutoff)
		if err != nil {
			return err
		}
		if ok {
			s.done(ctx, rep, MaintenanceLabelSetRemoved, "labels", set.LabelList(), "last_used", set.LastUsed)
		}
	}
	return nil
}
