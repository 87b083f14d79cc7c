package actions

import (
	"context"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// ListInheritedRunners returns the runners a scope can use without owning
// them, as Gitea's Runners pages list them: for a repository its owner's
// and the instance's, for an owner the instance's; up to limit of each,
// with how many there are in all. The instance inherits none.
func (s *Service) ListInheritedRunners(ctx context.Context, sc identity.Scope, limit int) ([]*RunnerInfo, int64, error) {
	var from []identity.Scope
	switch {
	case sc.IsInstance():
		return nil, 0, nil
	case sc.RepoID() != 0:
		from = []identity.Scope{identity.ScopeOf(sc.OwnerID(), 0), identity.InstanceScope}
	default:
		from = []identity.Scope{identity.InstanceScope}
	}
	var all []*actions_model.Runner
	var total int64
	for _, up := range from {
		rs, n, err := actions_model.FindRunners(ctx, actions_model.FindRunnerOptions{OwnerID: up.OwnerID(), RepoID: up.RepoID(), Page: 1, PageSize: limit})
		if err != nil {
			return nil, 0, err
		}
		all, total = append(all, rs...), total+n
	}
	infos, err := s.runnerInfos(ctx, all)
	return infos, total, err
}

// RegistrationTokenToShow returns the scope's reusable registration token
// for a page to show, making it when there is none. Opening a page is
// nobody's act: a token made for it is recorded in the audit log as the
// server's, not as the viewer's.
func (s *Service) RegistrationTokenToShow(ctx context.Context, sc identity.Scope) (string, error) {
	return s.DefaultRegistrationToken(WithActor(ctx, Actor{Name: "system"}), sc)
}
