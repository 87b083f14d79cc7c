package identity

import (
	"context"
	"fmt"

	auth_model "code.runnerhub.dev/runnerhub/models/auth"
	"code.runnerhub.dev/runnerhub/models/db"
	org_model "code.runnerhub.dev/runnerhub/models/organization"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// UserInfo is a user as an operator lists them.
type UserInfo struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	IsAdmin     bool   `json:"is_admin"`
	HasPassword bool   `json:"has_password"`
	// MustChangePassword: the next web sign-in asks for a new password.
	MustChangePassword bool  `json:"must_change_password"`
	Created            int64 `json:"created"`
}

// ListUsers lists every user (not organizations) by name, for the CLI.
func (Standalone) ListUsers(ctx context.Context) ([]UserInfo, error) {
	us, err := user_model.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UserInfo, len(us))
	for i, u := range us {
		out[i] = UserInfo{ID: u.ID, Name: u.Name, Email: u.Email, IsAdmin: u.IsAdmin, HasPassword: u.PasswdHash != "", MustChangePassword: u.MustChangePassword, Created: u.Created}
	}
	return out, nil
}

// ChangePassword sets a user's password, under the rules CreateUser
// applies, and whether they must change it again at their next sign-in. It
// ends every web session of the user in the same transaction, so whoever
// held a session opened with the old password is signed out everywhere.
func (s Standalone) ChangePassword(ctx context.Context, name, password string, mustChange bool) (*User, error) {
	u, err := s.getPerson(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := user_model.SetPasswordHash(ctx, u.ID, hash, mustChange); err != nil {
			return err
		}
		return auth_model.DeleteSessionsOf(ctx, u.ID)
	})
	if err != nil {
		return nil, err
	}
	u.MustChangePassword = mustChange
	return u, nil
}

// MustChangePasswordInput selects the users whose must-change-password
// flag SetMustChangePassword sets (or, with Unset, clears): the named
// ones, or All but the Excluded.
type MustChangePasswordInput struct {
	Names   []string
	All     bool
	Exclude []string
	Unset   bool
}

// SetMustChangePassword sets or clears the flag that sends users to change
// their password at their next web sign-in, as Gitea's
// must-change-password command does, and returns how many users it covered.
// Every name must be a user (unknown names and organizations are refused
// before anything is written).
func (s Standalone) SetMustChangePassword(ctx context.Context, in MustChangePasswordInput) (int64, error) {
	switch {
	case in.All && len(in.Names) > 0:
		return 0, fmt.Errorf("%w: name users or choose all of them, not both", errs.InvalidArgument)
	case !in.All && len(in.Names) == 0:
		return 0, fmt.Errorf("%w: name at least one user, or choose all of them", errs.InvalidArgument)
	case !in.All && len(in.Exclude) > 0:
		return 0, fmt.Errorf("%w: users are excluded only from all of them", errs.InvalidArgument)
	}
	ids, err := s.personIDs(ctx, in.Names)
	if err != nil {
		return 0, err
	}
	except, err := s.personIDs(ctx, in.Exclude)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.WithTx(ctx, func(ctx context.Context) error {
		n, err = user_model.SetMustChangePassword(ctx, in.All, ids, except, !in.Unset)
		return err
	})
	return n, err
}

// personIDs resolves user names (not organizations) to their ids.
func (s Standalone) personIDs(ctx context.Context, names []string) ([]int64, error) {
	ids := make([]int64, 0, len(names))
	for _, name := range names {
		u, err := s.getPerson(ctx, name)
		if err != nil {
			return nil, err
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}

// DeleteUser removes a user with their access tokens, organization
// ownerships and repository administrations. As Gitea does, it refuses while
// the user owns repositories or is the last owner of an organization, so
// nothing is left without a manager.
func (s Standalone) DeleteUser(ctx context.Context, name string) (*User, error) {
	u, err := s.getPerson(ctx, name)
	if err != nil {
		return nil, err
	}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		n, err := repo_model.CountReposOwnedBy(ctx, u.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: %s owns %d repositories; delete or move them first", errs.FailedPrecondition, u.Name, n)
		}
		orgs, err := org_model.GetOrgIDsOwnedBy(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, org := range orgs {
			owners, err := org_model.CountOwners(ctx, org)
			if err != nil {
				return err
			}
			if owners <= 1 {
				return fmt.Errorf("%w: %s is the last owner of organization %d; add another owner first", errs.FailedPrecondition, u.Name, org)
			}
		}
		if err := auth_model.DeleteAccessTokensOf(ctx, u.ID); err != nil {
			return err
		}
		if err := org_model.RemoveUserOwnerships(ctx, u.ID); err != nil {
			return err
		}
		if err := repo_model.RemoveUserCollaborations(ctx, u.ID); err != nil {
			return err
		}
		return user_model.DeleteUserRow(ctx, u.ID)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
