package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// Assignment is everything a runner needs to execute a task.
type Assignment struct {
	Task            *actions_model.Task
	WorkflowPayload []byte
	Context         map[string]any
	Secrets         map[string]string
	Vars            map[string]string
	Needs           map[string]Need
}

// Need is the outcome of a job the task's job depends on.
type Need struct {
	Result  actions_model.Status
	Outputs map[string]string
}

// assignment gathers the payload for a task just created. The task's runtime
// token is in it; it is never stored in clear.
func (s *Service) assignment(ctx context.Context, t *actions_model.Task) (*Assignment, error) {
	job, err := actions_model.GetRunJobByID(ctx, t.JobID)
	if err != nil {
		return nil, err
	}
	if job.Queued > 0 { // the claim has committed; the job waited from queued to the task's start
		s.recordJobClaimed(time.Duration(t.Started-job.Queued) * time.Second)
	}
	run, err := actions_model.GetRunByID(ctx, t.RunID)
	if err != nil {
		return nil, err
	}
	repo, err := s.identity.GetRepoByID(ctx, run.RepoID)
	if err != nil {
		return nil, fmt.Errorf("repository of run %d: %w", run.ID, err)
	}
	needs, err := s.needsOf(ctx, job)
	if err != nil {
		return nil, err
	}
	token := t.RuntimeToken
	return &Assignment{
		Task:            t,
		WorkflowPayload: []byte(job.WorkflowPayload),
		Context:         s.taskContext(run, job, t, repo.Owner.Name, repo.Name, token),
		// act_runner masks every secret in logs, so the token belongs here
		// too; an empty secrets map with a token set would crash the task.
		Secrets: map[string]string{"GITHUB_TOKEN": token, "GITEA_TOKEN": token},
		Vars:    map[string]string{},
		Needs:   needs,
	}, nil
}

func (s *Service) needsOf(ctx context.Context, job *actions_model.RunJob) (map[string]Need, error) {
	needIDs := job.NeedList()
	needs := make(map[string]Need, len(needIDs))
	if len(needIDs) == 0 {
		return needs, nil
	}
	jobs, err := actions_model.GetLatestRunJobsByRunID(ctx, job.RunID) // a re-run job needs its needs' latest results
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if !slices.Contains(needIDs, j.JobID) {
			continue
		}
		n := Need{Result: j.Status, Outputs: map[string]string{}}
		if j.TaskID != 0 {
			outs, err := actions_model.GetTaskOutputs(ctx, j.TaskID)
			if err != nil {
				return nil, err
			}
			for _, o := range outs {
				n.Outputs[o.OutputKey] = o.OutputValue
			}
		}
		if prev, ok := needs[j.JobID]; ok { // another entry of a matrix job
			n = mergeNeeds(prev, n)
		}
		needs[j.JobID] = n
	}
	return needs, nil
}

// mergeNeeds combines the entries of a matrix job into one need: it failed
// if any entry failed (cancelled, skipped next), and its outputs are theirs
// together.
func mergeNeeds(a, b Need) Need {
	rank := map[actions_model.Status]int{actions_model.StatusFailure: 3, actions_model.StatusCancelled: 2, actions_model.StatusSkipped: 1}
	if rank[b.Result] > rank[a.Result] {
		a.Result = b.Result
	}
	for k, v := range b.Outputs {
		a.Outputs[k] = v
	}
	return a
}

// taskContext is the github/gitea context of the job, with the names act_runner reads.
func (s *Service) taskContext(run *actions_model.Run, job *actions_model.RunJob, t *actions_model.Task, ownerName, repoName, token string) map[string]any {
	server := strings.TrimSuffix(s.rootURL, "/")
	refName, refType := run.Ref, ""
	switch {
	case strings.HasPrefix(run.Ref, "refs/heads/"):
		refName, refType = strings.TrimPrefix(run.Ref, "refs/heads/"), "branch"
	case strings.HasPrefix(run.Ref, "refs/tags/"):
		refName, refType = strings.TrimPrefix(run.Ref, "refs/tags/"), "tag"
	}
	event := map[string]any{}
	if run.EventPayload != "" {
		_ = json.Unmarshal([]byte(run.EventPayload), &event) // stored by intake as a JSON object; a bad one leaves it empty
	}
	return map[string]any{
		"action":                    "",
		"actor":                     ownerName,
		"api_url":                   server + "/api/v1",
		"event":                     event,
		"event_name":                run.Event,
		"job":                       job.JobID,
		"ref":                       run.Ref,
		"ref_name":                  refName,
		"ref_type":                  refType,
		"repository":                ownerName + "/" + repoName,
		"repository_owner":          ownerName,
		"retention_days":            "90",
		"run_attempt":               strconv.FormatInt(t.Attempt, 10),
		"run_id":                    strconv.FormatInt(run.ID, 10),
		"run_number":                strconv.FormatInt(run.Number, 10),
		"server_url":                server,
		"sha":                       run.CommitSHA,
		"token":                     token,
		"triggering_actor":          ownerName,
		"workflow":                  run.WorkflowID,
		"gitea_default_actions_url": s.opts.DefaultActionsURL,
		"gitea_runtime_token":       token,
	}
}
