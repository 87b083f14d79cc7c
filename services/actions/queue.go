package actions

import (
	"context"
	"fmt"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// RunInput describes a run to create; the workflow intake and an embedding
// host build it.
type RunInput struct {
	OwnerID, RepoID int64
	Title           string
	WorkflowID      string
	Ref             string
	CommitSHA       string
	Event           string
	EventPayload    string
	TriggerUserID   int64
	Jobs            []JobInput
}

// JobInput is one job of a run.
type JobInput struct {
	JobID           string
	Name            string
	RunsOn          []string
	Needs           []string
	WorkflowPayload []byte
	// If is the job's `if:` expression; with always(), failure() or
	// cancelled() the job still runs when a need did not succeed.
	If string
}

// CreateRun stores a run and its jobs. Jobs without needs wait for a runner
// at once; the others are blocked until their needs are over.
func (s *Service) CreateRun(ctx context.Context, in RunInput) (*actions_model.Run, []*actions_model.RunJob, error) {
	if err := checkRunInput(in); err != nil {
		return nil, nil, err
	}
	if err := s.checkRunPayloadBytes(in); err != nil {
		return nil, nil, err
	}
	if err := s.checkLabelSets(ctx, in); err != nil {
		return nil, nil, err
	}
	now := s.now().Unix()
	run := &actions_model.Run{
		OwnerID: in.OwnerID, RepoID: in.RepoID, Title: in.Title, WorkflowID: in.WorkflowID,
		Ref: in.Ref, CommitSHA: in.CommitSHA, Event: in.Event, EventPayload: in.EventPayload,
		TriggerUserID: in.TriggerUserID, Status: actions_model.StatusWaiting, Attempt: 1,
	}
	var jobs []*actions_model.RunJob
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := actions_model.CreateRun(ctx, run); err != nil {
			return err
		}
		for _, ji := range in.Jobs {
			j := &actions_model.RunJob{
				RunID: run.ID, OwnerID: in.OwnerID, RepoID: in.RepoID,
				Name: ji.Name, JobID: ji.JobID, Attempt: 1,
				WorkflowPayload: string(ji.WorkflowPayload),
				IfCondition:     ji.If,
				Status:          actions_model.StatusWaiting,
			}
			j.SetRunsOn(ji.RunsOn)
			j.SetNeeds(ji.Needs)
			if len(ji.Needs) > 0 {
				j.Status = actions_model.StatusBlocked
			}
			if err := actions_model.CreateRunJob(ctx, j); err != nil {
				return err
			}
			if j.Status == actions_model.StatusWaiting {
				if err := s.queueJob(ctx, j, now); err != nil {
					return err
				}
			}
			if err := s.jobChanged(ctx, JobChange{Job: j}); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return run, jobs, nil
}

func checkRunInput(in RunInput) error {
	if in.OwnerID <= 0 || in.RepoID <= 0 {
		return fmt.Errorf("%w: a run belongs to a repository", errs.InvalidArgument)
	}
	if len(in.Jobs) == 0 {
		return fmt.Errorf("%w: a run needs at least one job", errs.InvalidArgument)
	}
	// Entries of one matrix job share their JobID and differ by name.
	ids := make(map[string]bool, len(in.Jobs))
	names := make(map[[2]string]bool, len(in.Jobs))
	for _, j := range in.Jobs {
		if strings.TrimSpace(j.JobID) == "" {
			return fmt.Errorf("%w: a job has no id", errs.InvalidArgument)
		}
		if names[[2]string{j.JobID, j.Name}] {
			return fmt.Errorf("%w: job id %q with name %q is used twice", errs.InvalidArgument, j.JobID, j.Name)
		}
		ids[j.JobID], names[[2]string{j.JobID, j.Name}] = true, true
		if len(j.RunsOn) == 0 {
			return fmt.Errorf("%w: job %q has no runs-on labels", errs.InvalidArgument, j.JobID)
		}
	}
	needs := make(map[string][]string, len(in.Jobs))
	for _, j := range in.Jobs {
		for _, n := range j.Needs {
			if !ids[n] || n == j.JobID {
				return fmt.Errorf("%w: job %q needs %q, which is not another job of this run", errs.InvalidArgument, j.JobID, n)
			}
		}
		needs[j.JobID] = j.Needs
	}
	return checkNoCycle(needs)
}

// MaxRunPayloadBytes is the most workflow bytes one run may store, all its
// jobs together ([actions] MAX_RUN_PAYLOAD_BYTES). The workflow intake checks
// it before it writes the payloads; CreateRun checks it again for a host
// that builds its own.
func (s *Service) MaxRunPayloadBytes() int64 { return s.opts.MaxRunPayloadBytes }

func (s *Service) checkRunPayloadBytes(in RunInput) error {
	var total int64
	for _, j := range in.Jobs {
		total += int64(len(j.WorkflowPayload))
	}
	if total > s.opts.MaxRunPayloadBytes {
		return fmt.Errorf("%w: the run's jobs hold %d bytes of workflow, more than the limit of %d bytes ([actions] MAX_RUN_PAYLOAD_BYTES)",
			errs.InvalidArgument, total, s.opts.MaxRunPayloadBytes)
	}
	return nil
}

// checkLabelSets refuses a run that would take its owner's unfinished jobs
// past MAX_LABEL_SETS_PER_OWNER distinct runs-on sets, before anything is
// written: every set is a row runners are matched against and a series of
// the waiting-jobs metric. A run that only uses sets the owner's jobs use
// already is never refused. Two runs of one owner checked at the same
// moment may both pass, by at most their own new sets.
func (s *Service) checkLabelSets(ctx context.Context, in RunInput) error {
	limit := s.opts.MaxLabelSetsPerOwner
	if limit <= 0 {
		return nil
	}
	inUse, err := actions_model.FindOwnerLabelKeys(ctx, in.OwnerID)
	if err != nil {
		return err
	}
	fresh := map[string]bool{}
	for _, j := range in.Jobs {
		if k := actions_model.LabelKey(actions_model.CanonicalLabels(j.RunsOn)); !inUse[k] {
			fresh[k] = true
		}
	}
	if len(fresh) > 0 && len(inUse)+len(fresh) > limit {
		return fmt.Errorf("%w: the run's jobs would bring the owner's unfinished jobs to %d distinct runs-on label sets, more than the limit of %d ([actions] MAX_LABEL_SETS_PER_OWNER); use fewer distinct runs-on sets or wait for jobs to finish",
			errs.InvalidArgument, len(inUse)+len(fresh), limit)
	}
	return nil
}

// checkNoCycle refuses needs that loop, which would block their jobs forever.
func checkNoCycle(needs map[string][]string) error {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make(map[string]int, len(needs))
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case visiting:
			return fmt.Errorf("%w: the needs of job %q form a cycle", errs.InvalidArgument, id)
		case done:
			return nil
		}
		state[id] = visiting
		for _, n := range needs[id] {
			if err := visit(n); err != nil {
				return err
			}
		}
		state[id] = done
		return nil
	}
	for id := range needs {
		if err := visit(id); err != nil {
			return err
		}
	}
	return nil
}
