package webhook

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/convert"
)

// workflowJobPayload is the body of a workflow_job delivery, in GitHub's shape.
type workflowJobPayload struct {
	Action       string                `json:"action"`
	WorkflowJob  *convert.WorkflowJob  `json:"workflow_job"`
	Repository   *convert.Repository   `json:"repository"`
	Organization *convert.Organization `json:"organization,omitempty"`
	Sender       *convert.User         `json:"sender"`
}

// JobChanged writes a workflow_job event for every active webhook that hears
// about the job's repository. It runs inside the transaction of the change
// (see actions_service.JobObserver): the rows commit with the change or not
// at all, and the workers are woken once they are committed.
func (s *Service) JobChanged(ctx context.Context, c actions_service.JobChange) error {
	hooks, err := webhook_model.FindActiveWebhooksFor(ctx, c.Job.OwnerID, c.Job.RepoID)
	if err != nil {
		return err
	}
	var targets []*webhook_model.Webhook
	for _, h := range hooks {
		if h.HasEvent(EventWorkflowJob) {
			targets = append(targets, h)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	action, payload, err := s.workflowJobPayload(ctx, c)
	if err != nil {
		return fmt.Errorf("workflow_job payload of job %d: %w", c.Job.ID, err)
	}
	sent, err := webhook_model.SentActionsOfJob(ctx, c.Job.ID, hookIDs(targets))
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	var written []int64
	for _, h := range targets {
		if !movesForward(sent[h.ID], action) {
			continue // SPEC §4: per job id a hook sees each action at most once, never going back
		}
		written = append(written, h.ID)
		t := &webhook_model.HookTask{
			HookID: h.ID, JobID: c.Job.ID, DeliveryUUID: uuid.NewString(),
			Event: EventWorkflowJob, Action: action, Payload: string(payload),
			Status: webhook_model.HookTaskPending, NextAttempt: now,
		}
		if err := webhook_model.CreateHookTask(ctx, t); err != nil {
			return err
		}
	}
	db.AfterCommit(ctx, func() { s.sched.touch(written); s.signal() })
	return nil
}

// workflowJobPayload returns the event's action (the job's GitHub status)
// and its JSON body.
func (s *Service) workflowJobPayload(ctx context.Context, c actions_service.JobChange) (string, []byte, error) {
	run, err := actions_model.GetRunByID(ctx, c.Job.RunID)
	if err != nil {
		return "", nil, err
	}
	repo, err := s.conv.Repository(ctx, c.Job.RepoID)
	if err != nil {
		return "", nil, err
	}
	job, err := s.conv.WorkflowJobOf(ctx, c.Job, run, repo, c.Task, c.Runner)
	if err != nil {
		return "", nil, err
	}
	p := &workflowJobPayload{Action: job.Status, WorkflowJob: job, Repository: repo, Sender: repo.Owner}
	if repo.Owner != nil && repo.Owner.Type == "Organization" {
		p.Organization = s.conv.Organization(repo.Owner)
	}
	actor, err := s.conv.Actor(ctx, run, repo)
	if err != nil {
		return "", nil, err
	}
	if actor != nil {
		p.Sender = actor
	}
	body, err := json.Marshal(p)
	return p.Action, body, err
}

// actionRank orders workflow_job actions as a job passes through them.
func actionRank(action string) int {
	switch action {
	case "waiting":
		return 1
	case "queued":
		return 2
	case "in_progress":
		return 3
	case "completed":
		return 4
	}
	return 0
}

// movesForward reports whether action comes after every action already
// sent about the job to a hook. The job's state changes are compare-and-
// sets on its row, so this is only a guard: a change that would show a
// consumer a job going back, or a second event of one action, is not sent.
func movesForward(sent []string, action string) bool {
	for _, a := range sent {
		if actionRank(a) >= actionRank(action) {
			return false
		}
	}
	return true
}

func hookIDs(hooks []*webhook_model.Webhook) []int64 {
	ids := make([]int64, len(hooks))
	for i, h := range hooks {
		ids[i] = h.ID
	}
	return ids
}
