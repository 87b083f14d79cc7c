package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// A selected group's targets: repositories of its organization, or for an
// instance group any repository and whole organizations.

var errNoIdentity = errors.New("runner groups need the account provider (Service.SetIdentity)")

// resolveTargets checks the repositories and organizations named for a
// group of sc, before any transaction: the provider may be the host's.
func (s *Service) resolveTargets(ctx context.Context, sc identity.Scope, repoIDs, orgIDs *[]int64) ([]actions_model.RunnerGroupTarget, error) {
	var out []actions_model.RunnerGroupTarget
	if repoIDs != nil {
		if err := checkItemCount("repositories", len(*repoIDs)); err != nil {
			return nil, err
		}
		for _, id := range *repoIDs {
			r, err := s.targetRepo(ctx, sc, id)
			if err != nil {
				return nil, err
			}
			out = append(out, actions_model.RunnerGroupTarget{OwnerID: r.Owner.ID, RepoID: r.ID})
		}
	}
	if orgIDs != nil {
		if err := checkItemCount("organizations", len(*orgIDs)); err != nil {
			return nil, err
		}
		for _, id := range *orgIDs {
			o, err := s.targetOrg(ctx, sc, id)
			if err != nil {
				return nil, err
			}
			out = append(out, actions_model.RunnerGroupTarget{OwnerID: o.ID})
		}
	}
	return out, nil
}

// targetRepo finds a repository a group of sc may serve: one of the
// organization's, or any for the instance. A repository of another owner
// is NotFound, as one that does not exist: the caller may not see it.
func (s *Service) targetRepo(ctx context.Context, sc identity.Scope, id int64) (*identity.Repo, error) {
	if s.identity == nil {
		return nil, errNoIdentity
	}
	if id <= 0 {
		return nil, fmt.Errorf("%w: repository id %d is not a positive number", errs.InvalidArgument, id)
	}
	r, err := s.identity.GetRepoByID(ctx, id)
	if err == nil && !sc.IsInstance() && r.Owner.ID != sc.OwnerID() {
		return nil, fmt.Errorf("%w: repository %d is not a repository of %s", errs.NotFound, id, sc)
	}
	return r, errs.Missing(err, "repository "+strconv.FormatInt(id, 10))
}

// targetOrg finds an organization an instance group may serve.
func (s *Service) targetOrg(ctx context.Context, sc identity.Scope, id int64) (*identity.Owner, error) {
	if s.identity == nil {
		return nil, errNoIdentity
	}
	if !sc.IsInstance() {
		return nil, fmt.Errorf("%w: only instance runner groups select organizations", errs.InvalidArgument)
	}
	o, err := s.identity.GetOwnerByID(ctx, id)
	if err != nil {
		return nil, errs.Missing(err, "organization "+strconv.FormatInt(id, 10))
	}
	if !o.IsOrg {
		return nil, fmt.Errorf("%w: %s (%d) is a user, not an organization", errs.InvalidArgument, o.Name, id)
	}
	return o, nil
}

// ListRunnerGroupRepos returns a page of a group's selected repositories and
// how many there are; one the provider no longer knows keeps its id.
func (s *Service) ListRunnerGroupRepos(ctx context.Context, sc identity.Scope, id int64, page, pageSize int) ([]*identity.Repo, int64, error) {
	ts, total, err := s.listTargets(ctx, sc, id, actions_model.TargetRepos, page, pageSize)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*identity.Repo, 0, len(ts))
	for _, t := range ts {
		r, err := s.identity.GetRepoByID(ctx, t.RepoID)
		if errors.Is(err, errs.NotFound) {
			r, err = &identity.Repo{ID: t.RepoID, Owner: &identity.Owner{ID: t.OwnerID}}, nil
		}
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, nil
}

// ListRunnerGroupOrgs returns a page of an instance group's selected organizations.
func (s *Service) ListRunnerGroupOrgs(ctx context.Context, sc identity.Scope, id int64, page, pageSize int) ([]*identity.Owner, int64, error) {
	if !sc.IsInstance() {
		return nil, 0, fmt.Errorf("%w: only instance runner groups select organizations", errs.InvalidArgument)
	}
	ts, total, err := s.listTargets(ctx, sc, id, actions_model.TargetOrgs, page, pageSize)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*identity.Owner, 0, len(ts))
	for _, t := range ts {
		o, err := s.identity.GetOwnerByID(ctx, t.OwnerID)
		if errors.Is(err, errs.NotFound) {
			o, err = &identity.Owner{ID: t.OwnerID, IsOrg: true}, nil
		}
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	return out, total, nil
}

func (s *Service) listTargets(ctx context.Context, sc identity.Scope, id int64, kind actions_model.TargetKind, page, pageSize int) ([]*actions_model.RunnerGroupTarget, int64, error) {
	if s.identity == nil {
		return nil, 0, errNoIdentity
	}
	if _, err := s.groupOf(ctx, sc, id); err != nil {
		return nil, 0, err
	}
	return actions_model.FindRunnerGroupTargets(ctx, id, kind, page, pageSize)
}

// SetRunnerGroupRepos replaces a group's selected repositories.
func (s *Service) SetRunnerGroupRepos(ctx context.Context, sc identity.Scope, id int64, repoIDs []int64) error {
	return s.setTargets(ctx, sc, id, actions_model.TargetRepos, repoIDs)
}

// SetRunnerGroupOrgs replaces an instance group's selected organizations.
func (s *Service) SetRunnerGroupOrgs(ctx context.Context, sc identity.Scope, id int64, orgIDs []int64) error {
	return s.setTargets(ctx, sc, id, actions_model.TargetOrgs, orgIDs)
}

// AddRunnerGroupRepo selects one more repository for a group; one it has is left as it is.
func (s *Service) AddRunnerGroupRepo(ctx context.Context, sc identity.Scope, id, repoID int64) error {
	return s.changeTarget(ctx, sc, id, actions_model.TargetRepos, repoID, true)
}

// RemoveRunnerGroupRepo takes a repository off a group's selection.
func (s *Service) RemoveRunnerGroupRepo(ctx context.Context, sc identity.Scope, id, repoID int64) error {
	return s.changeTarget(ctx, sc, id, actions_model.TargetRepos, repoID, false)
}

// AddRunnerGroupOrg selects one more organization for an instance group.
func (s *Service) AddRunnerGroupOrg(ctx context.Context, sc identity.Scope, id, orgID int64) error {
	return s.changeTarget(ctx, sc, id, actions_model.TargetOrgs, orgID, true)
}

// RemoveRunnerGroupOrg takes an organization off an instance group's selection.
func (s *Service) RemoveRunnerGroupOrg(ctx context.Context, sc identity.Scope, id, orgID int64) error {
	return s.changeTarget(ctx, sc, id, actions_model.TargetOrgs, orgID, false)
}

func kindWords(kind actions_model.TargetKind) (plural, one string) {
	if kind == actions_model.TargetOrgs {
		return "organizations", "organization"
	}
	return "repositories", "repository"
}

// targetsOf checks and resolves ids of kind.
func (s *Service) targetsOf(ctx context.Context, sc identity.Scope, kind actions_model.TargetKind, ids []int64) ([]actions_model.RunnerGroupTarget, error) {
	if kind == actions_model.TargetOrgs {
		return s.resolveTargets(ctx, sc, nil, &ids)
	}
	return s.resolveTargets(ctx, sc, &ids, nil)
}

// checkTargetsAllowed refuses targets on the default group, which serves everything.
func checkTargetsAllowed(g *actions_model.RunnerGroup) error {
	if g.IsDefault {
		return fmt.Errorf("%w: the default runner group serves every repository; create another group to select repositories", errs.InvalidArgument)
	}
	return nil
}

func (s *Service) setTargets(ctx context.Context, sc identity.Scope, id int64, kind actions_model.TargetKind, ids []int64) error {
	if err := checkGroupScope(sc); err != nil {
		return err
	}
	plural, _ := kindWords(kind)
	if err := checkItemCount(plural, len(ids)); err != nil {
		return err
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	targets, err := s.targetsOf(ctx, sc, kind, ids)
	if err != nil {
		return err
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		if err := checkTargetsAllowed(g); err != nil {
			return err
		}
		if err := actions_model.ClearRunnerGroupTargets(ctx, g.ID, kind); err != nil {
			return err
		}
		for _, t := range targets {
			if _, err := actions_model.AddRunnerGroupTarget(ctx, g.ID, t.OwnerID, t.RepoID); err != nil {
				return err
			}
		}
		if err := s.targetsChanged(ctx, g); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupTargetsSet, fmt.Sprintf("%s set to %s", plural, idList(ids)))
	})
}

func (s *Service) changeTarget(ctx context.Context, sc identity.Scope, id int64, kind actions_model.TargetKind, targetID int64, add bool) error {
	if err := checkGroupScope(sc); err != nil {
		return err
	}
	_, one := kindWords(kind)
	var t actions_model.RunnerGroupTarget
	if add {
		ts, err := s.targetsOf(ctx, sc, kind, []int64{targetID})
		if err != nil {
			return err
		}
		t = ts[0]
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		if err := checkTargetsAllowed(g); err != nil {
			return err
		}
		var changed bool
		action := AuditGroupTargetAdded
		if add {
			changed, err = actions_model.AddRunnerGroupTarget(ctx, g.ID, t.OwnerID, t.RepoID)
		} else {
			action = AuditGroupTargetRemoved
			changed, err = s.removeTarget(ctx, g, kind, targetID)
			if err == nil && !changed {
				err = fmt.Errorf("%w: %s %d is not selected for runner group %q", errs.NotFound, one, targetID, g.Name)
			}
		}
		if err != nil || !changed {
			return err
		}
		if err := s.targetsChanged(ctx, g); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, action, fmt.Sprintf("%s %d", one, targetID))
	})
}

// removeTarget finds the stored target by its id alone: a repository's
// owner was stored with it.
func (s *Service) removeTarget(ctx context.Context, g *actions_model.RunnerGroup, kind actions_model.TargetKind, targetID int64) (bool, error) {
	ts, err := actions_model.GetRunnerGroupTargets(ctx, g.ID)
	if err != nil {
		return false, err
	}
	for _, t := range ts {
		if (kind == actions_model.TargetRepos && t.RepoID == targetID) || (kind == actions_model.TargetOrgs && t.RepoID == 0 && t.OwnerID == targetID) {
			return actions_model.RemoveRunnerGroupTarget(ctx, g.ID, t.OwnerID, t.RepoID)
		}
	}
	return false, nil
}

// targetsChanged counts a change of what g serves; its runners read it at
// their next poll.
func (s *Service) targetsChanged(ctx context.Context, g *actions_model.RunnerGroup) error {
	n, err := actions_model.CountRunnerGroupTargets(ctx, g.ID)
	if err != nil {
		return err
	}
	if n > maxGroupItems {
		return fmt.Errorf("%w: a runner group may select at most %d repositories and organizations", errs.InvalidArgument, maxGroupItems)
	}
	if err := actions_model.TouchRunnerGroupVersion(ctx, g.ID); err != nil {
		return err
	}
	return s.bumpGroupsVersion(ctx, g.OwnerID)
}

// idList writes ids for the audit log, the first few of many.
func idList(ids []int64) string {
	if len(ids) == 0 {
		return "none"
	}
	const shown = 20
	parts := make([]string, 0, min(len(ids), shown))
	for _, id := range ids[:min(len(ids), shown)] {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	s := strings.Join(parts, ", ")
	if len(ids) > shown {
		s += fmt.Sprintf(" and %d more", len(ids)-shown)
	}
	return s
}
