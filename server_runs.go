package runnerhub

import (
	"context"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

// RunRequest asks for one run of a workflow file in a repository.
type RunRequest = workflow_service.RunRequest

// QueueRun parses a workflow and queues its run, as the host does on its own
// events (a push, a pull request, a dispatch). Waiting runners hear of the
// new jobs at once.
func (s *Server) QueueRun(ctx context.Context, req RunRequest) (*actions_model.Run, []*actions_model.RunJob, error) {
	return s.workflows.CreateRun(s.Context(ctx), req)
}

// CancelRun cancels a run of the scope and every job of it not yet done.
func (s *Server) CancelRun(ctx context.Context, sc identity.Scope, runID int64) (*actions_model.Run, error) {
	return s.workflows.CancelRun(s.Context(ctx), sc, runID)
}

// GetRun returns a run of the scope.
func (s *Server) GetRun(ctx context.Context, sc identity.Scope, runID int64) (*actions_model.Run, error) {
	return s.workflows.GetRun(s.Context(ctx), sc, runID)
}

// ListJobs lists the scope's jobs, oldest first, with the total count;
// the filter narrows them to a run, statuses or a runner's labels.
func (s *Server) ListJobs(ctx context.Context, sc identity.Scope, f workflow_service.JobFilter) ([]*actions_model.RunJob, int64, error) {
	return s.workflows.ListJobs(s.Context(ctx), sc, f)
}

// RegistrationToken returns the scope's reusable registration token,
// creating one when there is none.
func (s *Server) RegistrationToken(ctx context.Context, sc identity.Scope) (string, error) {
	return s.actions.DefaultRegistrationToken(s.Context(ctx), sc)
}
