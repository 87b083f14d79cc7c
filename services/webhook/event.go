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
	Action       string               `json:"action"`
	WorkflowJob  *convert.WorkflowJob `json:"workflow_job"`
	Repository   *convert.Repository  `json:"repository"`
	Organization *convert.User        `json:"organization,omitempty"`
	Sender       *convert.User        `json:"sender"`
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
	now := s.now().UnixMilli()
	for _, h := range targets {
		t := &webhook_model.HookTask{
			HookID: h.ID, JobID: c.Job.ID, DeliveryUUID: uuid.NewString(),
			Event: EventWorkflowJob, Action: action, Payload: string(payload),
			Status: webhook_model.HookTaskPending, NextAttempt: now,
		}
		if err := webhook_model.CreateHookTask(ctx, t); err != nil {
			return err
		}
	}
	db.AfterCommit(ctx, s.signal)
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
		p.Organization = repo.Owner
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
