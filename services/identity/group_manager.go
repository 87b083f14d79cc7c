package identity

import (
	"context"
	"errors"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// Runner group managers (SPEC §9) sit beside CanManage: who manages a
// scope manages its groups, and a user made a manager of one group may do
// that group's few things without managing the scope. Managers are kept in
// Runnerhub's own table, not asked of the Provider, so a host need not know
// of them.

// CanManageRunnerGroup reports whether u may act on runner group groupID of
// scope s as a manager of that group may: who manages s, and the group's
// managers. A group of another scope is never managed through s.
func CanManageRunnerGroup(ctx context.Context, p Provider, u *User, s Scope, groupID int64) (bool, error) {
	ok, err := CanManage(ctx, p, u, s)
	if err != nil || ok || u == nil || s.Repo != nil {
		return ok, err
	}
	g, err := actions_model.GetRunnerGroupByID(ctx, groupID)
	if errors.Is(err, db.ErrNotExist) || (err == nil && g.OwnerID != s.OwnerID()) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return actions_model.IsRunnerGroupManager(ctx, groupID, u.ID)
}

// CanManageGroupRunner reports whether u may read, disable or delete runner
// runnerID of scope s: who manages s, and the managers of the group the
// runner is in now.
func CanManageGroupRunner(ctx context.Context, p Provider, u *User, s Scope, runnerID int64) (bool, error) {
	ok, err := CanManage(ctx, p, u, s)
	if err != nil || ok || u == nil || s.Repo != nil {
		return ok, err
	}
	r, err := actions_model.GetRunnerByID(ctx, runnerID)
	if errors.Is(err, db.ErrNotExist) || (err == nil && (r.OwnerID != s.OwnerID() || r.RepoID != 0 || r.RunnerGroupID == 0)) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return actions_model.IsRunnerGroupManager(ctx, r.RunnerGroupID, u.ID)
}

// ManagesAnyRunnerGroup reports whether u manages at least one group of
// scope s, which lets them list those groups.
func ManagesAnyRunnerGroup(ctx context.Context, u *User, s Scope) (bool, error) {
	if u == nil || s.Repo != nil {
		return false, nil
	}
	gs, err := actions_model.FindGroupsManagedBy(ctx, u.ID, s.OwnerID())
	return len(gs) > 0, err
}

// CheckManageRunnerGroup is CanManageRunnerGroup as an error: PermissionDenied when u may not.
func CheckManageRunnerGroup(ctx context.Context, p Provider, u *User, s Scope, groupID int64) error {
	ok, err := CanManageRunnerGroup(ctx, p, u, s, groupID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: you may not manage this runner group of %s", errs.PermissionDenied, s)
	}
	return nil
}
