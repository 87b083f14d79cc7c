package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// A group's runners, managers and own registration token.

// ListRunnerGroupRunners returns a page of a group's live runners and how many there are.
func (s *Service) ListRunnerGroupRunners(ctx context.Context, sc identity.Scope, id int64, page, pageSize int) ([]*RunnerInfo, int64, error) {
	g, err := s.groupOf(ctx, sc, id)
	if err != nil {
		return nil, 0, err
	}
	rs, total, err := actions_model.FindRunners(ctx, actions_model.FindRunnerOptions{
		OwnerID: g.OwnerID, GroupID: g.ID, Page: page, PageSize: pageSize,
	})
	if err != nil {
		return nil, 0, err
	}
	infos, err := s.runnerInfos(ctx, rs)
	return infos, total, err
}

// groupRunner finds a live runner that may join a group of sc: a runner of
// exactly that scope. A repository runner of the organization, or any other
// runner the instance's admins see, is refused as such (422); a runner of
// another owner is NotFound, as one that does not exist.
func (s *Service) groupRunner(ctx context.Context, sc identity.Scope, runnerID int64) (*actions_model.Runner, error) {
	r, err := actions_model.GetRunnerByID(ctx, runnerID)
	if err != nil {
		return nil, err
	}
	switch {
	case r.OwnerID == sc.OwnerID() && r.RepoID == 0:
		return r, nil
	case sc.IsInstance():
		return nil, fmt.Errorf("%w: runner %d belongs to an owner or a repository; only instance runners join instance groups", errs.InvalidArgument, runnerID)
	case r.OwnerID == sc.OwnerID():
		return nil, fmt.Errorf("%w: runner %d is a repository's runner; only the organization's own runners join its groups", errs.InvalidArgument, runnerID)
	}
	return nil, fmt.Errorf("%w: runner %d of %s", errs.NotFound, runnerID, sc)
}

// moveRunnersIn puts runners of sc into g and returns those that moved.
func (s *Service) moveRunnersIn(ctx context.Context, sc identity.Scope, g *actions_model.RunnerGroup, runnerIDs []int64) (map[int64]string, error) {
	moved := map[int64]string{}
	for _, id := range runnerIDs {
		r, err := s.groupRunner(ctx, sc, id)
		if err != nil {
			return nil, err
		}
		if r.RunnerGroupID != g.ID {
			moved[r.ID] = r.UUID
		}
	}
	_, err := actions_model.SetRunnersGroup(ctx, slices.Collect(maps.Keys(moved)), g.ID)
	return moved, err
}

// AddRunnerToGroup moves a runner of the scope into the group.
func (s *Service) AddRunnerToGroup(ctx context.Context, sc identity.Scope, id, runnerID int64) error {
	var moved map[int64]string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		if moved, err = s.moveRunnersIn(ctx, sc, g, []int64{runnerID}); err != nil || len(moved) == 0 {
			return err
		}
		if err := s.bumpGroupsVersion(ctx, g.OwnerID); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupRunnerAdded, fmt.Sprintf("runner %d", runnerID))
	})
	if err == nil {
		s.forgetRunners(moved)
	}
	return err
}

// RemoveRunnerFromGroup returns a runner of the group to the default group.
func (s *Service) RemoveRunnerFromGroup(ctx context.Context, sc identity.Scope, id, runnerID int64) error {
	var moved map[int64]string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		if g.IsDefault {
			return fmt.Errorf("%w: a runner leaves the default group by joining another", errs.InvalidArgument)
		}
		r, err := s.groupRunner(ctx, sc, runnerID)
		if err != nil {
			return err
		}
		if r.RunnerGroupID != g.ID {
			return fmt.Errorf("%w: runner %d is not in runner group %q", errs.NotFound, runnerID, g.Name)
		}
		def, err := actions_model.EnsureDefaultRunnerGroup(ctx, g.OwnerID)
		if err != nil {
			return err
		}
		if moved, err = s.moveRunnersIn(ctx, sc, def, []int64{runnerID}); err != nil {
			return err
		}
		if err := s.bumpGroupsVersion(ctx, g.OwnerID); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupRunnerRemoved, fmt.Sprintf("runner %d, back to %q", runnerID, def.Name))
	})
	if err == nil {
		s.forgetRunners(moved)
	}
	return err
}

// SetRunnerGroupRunners makes the listed runners the group's: they move in,
// and the group's others go back to the default group (the default group's
// own others have nowhere to go and stay).
func (s *Service) SetRunnerGroupRunners(ctx context.Context, sc identity.Scope, id int64, runnerIDs []int64) error {
	if err := checkItemCount("runners", len(runnerIDs)); err != nil {
		return err
	}
	var moved map[int64]string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		current, err := actions_model.FindGroupRunnerIDs(ctx, g.ID)
		if err != nil {
			return err
		}
		if moved, err = s.moveRunnersIn(ctx, sc, g, runnerIDs); err != nil {
			return err
		}
		var out []int64
		if !g.IsDefault {
			for rid, uuid := range current {
				if !slices.Contains(runnerIDs, rid) {
					out = append(out, rid)
					moved[rid] = uuid
				}
			}
			def, err := actions_model.EnsureDefaultRunnerGroup(ctx, g.OwnerID)
			if err != nil {
				return err
			}
			if _, err := actions_model.SetRunnersGroup(ctx, out, def.ID); err != nil {
				return err
			}
		}
		if err := s.bumpGroupsVersion(ctx, g.OwnerID); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupRunnersSet, fmt.Sprintf("runners set to %s; %d back to the default group", idList(runnerIDs), len(out)))
	})
	if err == nil {
		s.forgetRunners(moved)
	}
	return err
}

// managerUser finds the person a manager's name names; an organization is
// refused (422) and an unknown name is NotFound.
func (s *Service) managerUser(ctx context.Context, name string) (*identity.User, error) {
	if s.identity == nil {
		return nil, errNoIdentity
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("%w: a manager is named by a user name", errs.InvalidArgument)
	}
	o, err := s.identity.GetOwnerByName(ctx, name)
	if err != nil {
		return nil, errs.Missing(err, fmt.Sprintf("user %q", name))
	}
	if o.IsOrg {
		return nil, fmt.Errorf("%w: %s is an organization, not a user; only users manage runner groups", errs.InvalidArgument, o.Name)
	}
	u, err := s.identity.GetUserByID(ctx, o.ID)
	return u, errs.Missing(err, fmt.Sprintf("user %q", name))
}

// ListRunnerGroupManagers returns a page of a group's managers in the order
// added, and how many there are; a user the provider no longer knows keeps
// their id.
func (s *Service) ListRunnerGroupManagers(ctx context.Context, sc identity.Scope, id int64, page db.Page) ([]*identity.User, int64, error) {
	if s.identity == nil {
		return nil, 0, errNoIdentity
	}
	g, err := s.groupOf(ctx, sc, id)
	if err != nil {
		return nil, 0, err
	}
	ids, total, err := actions_model.FindRunnerGroupManagers(ctx, g.ID, page)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*identity.User, 0, len(ids))
	for _, uid := range ids {
		u, err := s.identity.GetUserByID(ctx, uid)
		if errors.Is(err, errs.NotFound) {
			u, err = &identity.User{ID: uid}, nil
		}
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, nil
}

// AddRunnerGroupManager makes the named user a manager of the group; one
// already is left as they are.
func (s *Service) AddRunnerGroupManager(ctx context.Context, sc identity.Scope, id int64, userName string) (*identity.User, error) {
	if err := checkGroupScope(sc); err != nil {
		return nil, err
	}
	u, err := s.managerUser(ctx, userName)
	if err != nil {
		return nil, err
	}
	return u, db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		added, err := actions_model.AddRunnerGroupManager(ctx, g.ID, u.ID)
		if err != nil || !added {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupManagerAdded, fmt.Sprintf("user %s (%d)", u.Name, u.ID))
	})
}

// RemoveRunnerGroupManager ends the named user's management of the group.
func (s *Service) RemoveRunnerGroupManager(ctx context.Context, sc identity.Scope, id int64, userName string) error {
	if err := checkGroupScope(sc); err != nil {
		return err
	}
	u, err := s.managerUser(ctx, userName)
	if err != nil {
		return err
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		removed, err := actions_model.RemoveRunnerGroupManager(ctx, g.ID, u.ID)
		if err != nil {
			return err
		}
		if !removed {
			return fmt.Errorf("%w: %s is not a manager of runner group %q", errs.NotFound, u.Name, g.Name)
		}
		return s.auditGroup(ctx, g, AuditGroupManagerRemoved, fmt.Sprintf("user %s (%d)", u.Name, u.ID))
	})
}

// ManagedGroup is a group a user manages, with its scope.
type ManagedGroup struct {
	Group *actions_model.RunnerGroup
	Scope identity.Scope
}

// RunnerGroupsManagedBy returns the groups u was made a manager of, of
// every scope, for the pages that show a manager their groups.
func (s *Service) RunnerGroupsManagedBy(ctx context.Context, u *identity.User) ([]ManagedGroup, error) {
	if s.identity == nil {
		return nil, errNoIdentity
	}
	gs, err := actions_model.FindGroupsManagedBy(ctx, u.ID, -1)
	if err != nil {
		return nil, err
	}
	out := make([]ManagedGroup, 0, len(gs))
	for _, g := range gs {
		sc, err := identity.ScopeOfIDs(ctx, s.identity, g.OwnerID, 0)
		if errors.Is(err, errs.NotFound) {
			continue // the organization is gone
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ManagedGroup{Group: g, Scope: sc})
	}
	return out, nil
}

// RunnerGroupIDsManagedBy returns the ids of the scope's groups u manages.
func (s *Service) RunnerGroupIDsManagedBy(ctx context.Context, sc identity.Scope, u *identity.User) ([]int64, error) {
	gs, err := actions_model.FindGroupsManagedBy(ctx, u.ID, sc.OwnerID())
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids, nil
}

// GroupRegistrationToken returns the group's own reusable registration
// token, making one when there is none: runners registered with it join
// the group.
func (s *Service) GroupRegistrationToken(ctx context.Context, sc identity.Scope, id int64) (string, error) {
	var token string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		t, err := actions_model.GetGroupRunnerToken(ctx, g.ID)
		if err == nil {
			token, err = s.box.Open(t.TokenCipher)
			if err != nil {
				return fmt.Errorf("registration token of runner group %q: %w (was SECRET_KEY changed? reset the token)", g.Name, err)
			}
			return nil
		}
		if !errors.Is(err, db.ErrNotExist) {
			return err
		}
		token, err = s.createGroupToken(ctx, g, AuditTokenCreated)
		return err
	})
	return token, err
}

// ResetGroupRegistrationToken replaces the group's token; the old one stops working at once.
func (s *Service) ResetGroupRegistrationToken(ctx context.Context, sc identity.Scope, id int64) (string, error) {
	var token string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		if err := actions_model.DeleteGroupRunnerTokens(ctx, g.ID, s.now().Unix()); err != nil {
			return err
		}
		token, err = s.createGroupToken(ctx, g, AuditTokenReset)
		return err
	})
	return token, err
}

func (s *Service) createGroupToken(ctx context.Context, g *actions_model.RunnerGroup, auditAction string) (string, error) {
	token := secret.NewToken()
	t := &actions_model.RunnerToken{
		Name:          "runner group " + g.Name,
		TokenHash:     secret.Hash(token),
		TokenCipher:   s.box.Seal(token),
		OwnerID:       g.OwnerID,
		IsDefault:     true,
		RunnerGroupID: g.ID,
	}
	if err := actions_model.CreateRunnerToken(ctx, t); err != nil {
		return "", err
	}
	return token, s.auditToken(ctx, t, auditAction)
}
