package actions

import (
	"context"
	"errors"
	"fmt"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// RuntimeTokenInfo is what a live runtime token stands for: the one task,
// and the run and repository it belongs to. A cache or artifact server
// scopes what the bearer may touch by RepoID.
type RuntimeTokenInfo struct {
	TaskID, JobID, RunID int64
	RunAttempt           int64
	OwnerID, RepoID      int64
	Owner, Repo          string
	ExpiresAt            time.Time
}

// VerifyRuntimeToken tells whether token is the runtime token of a task
// that is still running and within its expiry. Anything else is
// errs.Unauthenticated, with the reason in the message.
func (s *Service) VerifyRuntimeToken(ctx context.Context, token string) (*RuntimeTokenInfo, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: runtime token is required", errs.Unauthenticated)
	}
	t, err := actions_model.GetTaskByTokenHash(ctx, secret.Hash(token))
	if errors.Is(err, db.ErrNotExist) {
		return nil, fmt.Errorf("%w: runtime token is unknown", errs.Unauthenticated)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case !secret.Matches(token, t.TokenHash):
		return nil, fmt.Errorf("%w: runtime token is unknown", errs.Unauthenticated)
	case t.Status != actions_model.StatusRunning:
		return nil, fmt.Errorf("%w: the task of this runtime token is over", errs.Unauthenticated)
	case s.now().Unix() >= t.TokenExpires:
		return nil, fmt.Errorf("%w: runtime token has expired", errs.Unauthenticated)
	}
	repo, err := s.identity.GetRepoByID(ctx, t.RepoID)
	if err != nil {
		return nil, goneOr(err, "repository")
	}
	return &RuntimeTokenInfo{
		TaskID: t.ID, JobID: t.JobID, RunID: t.RunID, RunAttempt: t.Attempt,
		OwnerID: t.OwnerID, RepoID: t.RepoID, Owner: repo.Owner.Name, Repo: repo.Name,
		ExpiresAt: time.Unix(t.TokenExpires, 0).UTC(),
	}, nil
}

// goneOr refuses a token whose repository or owner was deleted meanwhile,
// and passes other errors on.
func goneOr(err error, what string) error {
	if errors.Is(err, db.ErrNotExist) {
		return fmt.Errorf("%w: the %s of this runtime token no longer exists", errs.Unauthenticated, what)
	}
	return err
}
