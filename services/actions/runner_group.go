package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// Runner groups (SPEC §9): an organization's or the instance's runners in
// named groups. A group serves every repository of its scope ("all") or
// only those selected for it; an instance group may also select whole
// organizations. Every such scope has a default group that cannot be
// deleted, which runners are in unless put elsewhere. Changes take effect
// at the next poll of the scope's runners (see groupRoutes).

const (
	maxGroupNameLen = 100
	// maxGroupItems bounds the repositories, organizations or runners one
	// call may name, and the targets a group may have: checked before any
	// of them is looked up.
	maxGroupItems = 1000
)

// RunnerGroupInput is a group's creation or change; nil fields are left as they are.
type RunnerGroupInput struct {
	Name       *string
	Visibility *string
	RepoIDs    *[]int64 // the selected repositories
	OrgIDs     *[]int64 // the selected organizations: instance groups only
	RunnerIDs  *[]int64 // runners to move into a new group
}

// checkGroupScope refuses scopes that have no groups: users and repositories.
func checkGroupScope(sc identity.Scope) error {
	if sc.Repo != nil || (sc.Owner != nil && !sc.Owner.IsOrg) {
		return fmt.Errorf("%w: runner groups belong to organizations and to the instance, not to %s", errs.InvalidArgument, sc)
	}
	return nil
}

func checkGroupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("%w: a runner group needs a name", errs.InvalidArgument)
	case len(name) > maxGroupNameLen:
		return "", fmt.Errorf("%w: runner group name is longer than %d bytes", errs.InvalidArgument, maxGroupNameLen)
	case !isText(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "", fmt.Errorf("%w: runner group name must be UTF-8 text without control characters", errs.InvalidArgument)
	}
	return name, nil
}

func checkVisibility(v string) error {
	if v != actions_model.GroupVisibilityAll && v != actions_model.GroupVisibilitySelected {
		return fmt.Errorf("%w: visibility %q: want %q or %q", errs.InvalidArgument, v, actions_model.GroupVisibilityAll, actions_model.GroupVisibilitySelected)
	}
	return nil
}

func checkItemCount(what string, n int) error {
	if n > maxGroupItems {
		return fmt.Errorf("%w: %d %s, at most %d are allowed in one call", errs.InvalidArgument, n, what, maxGroupItems)
	}
	return nil
}

// groupOf returns the scope's group id; a group of another scope is NotFound,
// so scopes learn nothing of each other's groups.
func (s *Service) groupOf(ctx context.Context, sc identity.Scope, id int64) (*actions_model.RunnerGroup, error) {
	if err := checkGroupScope(sc); err != nil {
		return nil, err
	}
	g, err := actions_model.GetRunnerGroupByID(ctx, id)
	if err == nil && g.OwnerID != sc.OwnerID() {
		err = errs.NotFound
	}
	if err != nil {
		return nil, errs.Missing(err, fmt.Sprintf("runner group %d of %s", id, sc))
	}
	return g, nil
}

// ListRunnerGroups returns a page of the scope's groups, the default first,
// and how many there are. ids, when not nil, keeps only those groups (a
// manager's view).
func (s *Service) ListRunnerGroups(ctx context.Context, sc identity.Scope, ids []int64, page, pageSize int) ([]*actions_model.RunnerGroup, int64, error) {
	if err := checkGroupScope(sc); err != nil {
		return nil, 0, err
	}
	if _, err := actions_model.EnsureDefaultRunnerGroup(ctx, sc.OwnerID()); err != nil {
		return nil, 0, err
	}
	return actions_model.FindRunnerGroups(ctx, actions_model.FindRunnerGroupOptions{OwnerID: sc.OwnerID(), IDs: ids, Page: page, PageSize: pageSize})
}

// GetRunnerGroup returns one of the scope's groups.
func (s *Service) GetRunnerGroup(ctx context.Context, sc identity.Scope, id int64) (*actions_model.RunnerGroup, error) {
	return s.groupOf(ctx, sc, id)
}

// GetRunnerGroupByName returns the scope's group of that name, for the command line.
func (s *Service) GetRunnerGroupByName(ctx context.Context, sc identity.Scope, name string) (*actions_model.RunnerGroup, error) {
	if err := checkGroupScope(sc); err != nil {
		return nil, err
	}
	if _, err := actions_model.EnsureDefaultRunnerGroup(ctx, sc.OwnerID()); err != nil {
		return nil, err
	}
	g, err := actions_model.GetRunnerGroupByName(ctx, sc.OwnerID(), name)
	return g, errs.Missing(err, fmt.Sprintf("runner group %q of %s", name, sc))
}

// CreateRunnerGroup makes a group in the scope, with its targets, and moves
// the given runners into it.
func (s *Service) CreateRunnerGroup(ctx context.Context, sc identity.Scope, in RunnerGroupInput) (*actions_model.RunnerGroup, error) {
	if err := checkGroupScope(sc); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, fmt.Errorf("%w: a runner group needs a name", errs.InvalidArgument)
	}
	name, err := checkGroupName(*in.Name)
	if err != nil {
		return nil, err
	}
	g := &actions_model.RunnerGroup{OwnerID: sc.OwnerID(), Name: name, Visibility: actions_model.GroupVisibilityAll}
	if in.Visibility != nil {
		if err := checkVisibility(*in.Visibility); err != nil {
			return nil, err
		}
		g.Visibility = *in.Visibility
	}
	var runnerIDs []int64
	if in.RunnerIDs != nil {
		runnerIDs = *in.RunnerIDs
	}
	if err := checkItemCount("runners", len(runnerIDs)); err != nil {
		return nil, err
	}
	targets, err := s.resolveTargets(ctx, sc, in.RepoIDs, in.OrgIDs)
	if err != nil {
		return nil, err
	}
	if len(targets) > maxGroupItems {
		return nil, fmt.Errorf("%w: a runner group may select at most %d repositories and organizations", errs.InvalidArgument, maxGroupItems)
	}
	var moved map[int64]string
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := actions_model.EnsureDefaultRunnerGroup(ctx, g.OwnerID); err != nil {
			return err
		}
		if err := checkNameFree(ctx, g.OwnerID, name, 0); err != nil {
			return err
		}
		if err := actions_model.CreateRunnerGroup(ctx, g); err != nil {
			return err
		}
		for _, t := range targets {
			if _, err := actions_model.AddRunnerGroupTarget(ctx, g.ID, t.OwnerID, t.RepoID); err != nil {
				return err
			}
		}
		if moved, err = s.moveRunnersIn(ctx, sc, g, runnerIDs); err != nil {
			return err
		}
		if err := s.bumpGroupsVersion(ctx, g.OwnerID); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupCreated, fmt.Sprintf("visibility %s, %d targets, %d runners moved in", g.Visibility, len(targets), len(moved)))
	})
	if err != nil {
		return nil, err
	}
	s.forgetRunners(moved)
	return g, nil
}

// checkNameFree refuses a name another group of the scope has.
func checkNameFree(ctx context.Context, ownerID int64, name string, except int64) error {
	other, err := actions_model.GetRunnerGroupByName(ctx, ownerID, name)
	switch {
	case errors.Is(err, db.ErrNotExist):
		return nil
	case err != nil:
		return err
	case other.ID != except:
		return fmt.Errorf("%w: a runner group named %q exists in this scope", errs.InvalidArgument, other.Name)
	}
	return nil
}

// UpdateRunnerGroup renames a group or changes its visibility; the default
// group keeps both.
func (s *Service) UpdateRunnerGroup(ctx context.Context, sc identity.Scope, id int64, in RunnerGroupInput) (*actions_model.RunnerGroup, error) {
	var name string
	if in.Name != nil {
		var err error
		if name, err = checkGroupName(*in.Name); err != nil {
			return nil, err
		}
	}
	if in.Visibility != nil {
		if err := checkVisibility(*in.Visibility); err != nil {
			return nil, err
		}
	}
	if in.RepoIDs != nil || in.OrgIDs != nil || in.RunnerIDs != nil {
		return nil, fmt.Errorf("%w: change a group's repositories, organizations and runners with their own calls", errs.InvalidArgument)
	}
	var g *actions_model.RunnerGroup
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if g, err = s.groupOf(ctx, sc, id); err != nil {
			return err
		}
		var changes []string
		if in.Name != nil && name != g.Name {
			if g.IsDefault {
				return fmt.Errorf("%w: the default runner group keeps its name", errs.InvalidArgument)
			}
			if err := checkNameFree(ctx, g.OwnerID, name, g.ID); err != nil {
				return err
			}
			changes = append(changes, fmt.Sprintf("name %q → %q", g.Name, name))
			g.Name = name
		}
		if in.Visibility != nil && *in.Visibility != g.Visibility {
			if g.IsDefault {
				return fmt.Errorf("%w: the default runner group serves every repository; its visibility stays %q", errs.InvalidArgument, actions_model.GroupVisibilityAll)
			}
			changes = append(changes, fmt.Sprintf("visibility %s → %s", g.Visibility, *in.Visibility))
			g.Visibility = *in.Visibility
		}
		if len(changes) == 0 {
			return nil
		}
		if err := actions_model.UpdateRunnerGroup(ctx, g, "name", "visibility"); err != nil {
			return err
		}
		if err := s.bumpGroupsVersion(ctx, g.OwnerID); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupUpdated, strings.Join(changes, "; "))
	})
	return g, err
}

// DeleteRunnerGroup removes a group that is not the default: its runners go
// back to the default group and its registration token stops working.
func (s *Service) DeleteRunnerGroup(ctx context.Context, sc identity.Scope, id int64) error {
	var moved map[int64]string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.groupOf(ctx, sc, id)
		if err != nil {
			return err
		}
		if g.IsDefault {
			return fmt.Errorf("%w: the default runner group cannot be deleted", errs.InvalidArgument)
		}
		// The tokens first: a registration with one of them waits for this
		// row, and then either fails or made a runner the move below finds.
		if err := actions_model.DeleteGroupRunnerTokens(ctx, g.ID, s.now().Unix()); err != nil {
			return err
		}
		def, err := actions_model.EnsureDefaultRunnerGroup(ctx, g.OwnerID)
		if err != nil {
			return err
		}
		if moved, err = actions_model.FindGroupRunnerIDs(ctx, g.ID); err != nil {
			return err
		}
		if err := actions_model.MoveGroupRunners(ctx, g.ID, def.ID); err != nil {
			return err
		}
		if err := actions_model.DeleteRunnerGroup(ctx, g.ID); err != nil {
			return err
		}
		if err := s.bumpGroupsVersion(ctx, g.OwnerID); err != nil {
			return err
		}
		return s.auditGroup(ctx, g, AuditGroupDeleted, fmt.Sprintf("%d runners moved to %q", len(moved), def.Name))
	})
	if err == nil {
		s.forgetRunners(moved)
	}
	return err
}

// forgetRunners drops moved runners from this process's caches; they keep
// working, and their group is read again.
func (s *Service) forgetRunners(moved map[int64]string) {
	for id, uuid := range moved {
		s.runners.drop(uuid)
		s.routes.drop(id)
	}
}
