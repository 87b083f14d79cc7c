package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// Service starts runs from workflow files. The REST intake and an embedding
// host call the same CreateRun.
type Service struct {
	actions *actions_service.Service
}

// New builds the intake over the actions service.
func New(a *actions_service.Service) *Service { return &Service{actions: a} }

// RunRequest asks for one run of a workflow.
type RunRequest struct {
	OwnerID, RepoID int64
	Workflow        []byte // the workflow file's YAML
	WorkflowID      string // its file name, e.g. "ci.yml"; derived from the name when empty
	Ref             string // "refs/heads/main"; a bare branch name is read as one
	CommitSHA       string
	Event           string // "workflow_dispatch" when empty
	Inputs          map[string]string
	TriggerUserID   int64
}

const maxWorkflowBytes = 1 << 20

var shaPattern = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// CreateRun parses the workflow and creates its run and jobs.
func (s *Service) CreateRun(ctx context.Context, req RunRequest) (*actions_model.Run, []*actions_model.RunJob, error) {
	if len(req.Workflow) == 0 {
		return nil, nil, fmt.Errorf("%w: workflow is required", errs.InvalidArgument)
	}
	if len(req.Workflow) > maxWorkflowBytes {
		return nil, nil, fmt.Errorf("%w: workflow is larger than %d bytes", errs.InvalidArgument, maxWorkflowBytes)
	}
	if req.CommitSHA != "" && !shaPattern.MatchString(req.CommitSHA) {
		return nil, nil, fmt.Errorf("%w: sha must be 40 or 64 lower-case hex digits", errs.InvalidArgument)
	}
	wf, err := Parse(ctx, req.Workflow, s.actions.MaxRunPayloadBytes())
	if err != nil {
		return nil, nil, err
	}
	event := req.Event
	if event == "" {
		event = "workflow_dispatch"
	}
	ref := req.Ref
	if ref != "" && !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	title := wf.Name
	workflowID := req.WorkflowID
	if workflowID == "" {
		workflowID = fileNameFor(wf.Name)
	}
	if title == "" {
		title = workflowID
	}
	title, workflowID = truncate(title, maxNameLen), truncate(workflowID, maxNameLen)
	payload, err := eventPayload(ref, req.CommitSHA, req.Inputs)
	if err != nil {
		return nil, nil, err
	}
	return s.actions.CreateRun(ctx, actions_service.RunInput{
		OwnerID: req.OwnerID, RepoID: req.RepoID,
		Title: title, WorkflowID: workflowID,
		Ref: ref, CommitSHA: req.CommitSHA, Event: event, EventPayload: payload,
		TriggerUserID: req.TriggerUserID,
		Jobs:          wf.Jobs,
	})
}

// eventPayload is github.event for the run: enough for workflows that read
// the ref, the commit or workflow_dispatch inputs.
func eventPayload(ref, sha string, inputs map[string]string) (string, error) {
	ev := map[string]any{"ref": ref}
	if sha != "" {
		ev["after"] = sha
	}
	if len(inputs) > 0 {
		ev["inputs"] = inputs
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return "", fmt.Errorf("event payload: %w", err)
	}
	return string(b), nil
}

var unsafeFileChars = regexp.MustCompile(`[^a-z0-9._-]+`)

// fileNameFor names a workflow sent without a file name after its `name:`.
func fileNameFor(name string) string {
	base := strings.Trim(unsafeFileChars.ReplaceAllString(strings.ToLower(name), "-"), "-.")
	if base == "" {
		base = "workflow"
	}
	return base + ".yml"
}
