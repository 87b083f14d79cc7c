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
	Created     int64  `json:"created"`
}

// ListUsers lists every user (not organizations) by name, for the CLI.
func (Standalone) ListUsers(ctx context.Context) ([]UserInfo, error) {
	us, err := user_model.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UserInfo, len(us))
	for i, u := range us {
		out[i] = UserInfo{ID: u.ID, Name: u.Name, Email: u.Email, IsAdmin: u.IsAdmin, HasPassword: u.PasswdHash != "", Created: u.Created}
	}
	return out, nil
}

// ChangePassword sets a user's password, under the rules CreateUser applies.
func (s Standalone) ChangePassword(ctx context.Context, name, password string) (*User, error) {
	u, err := s.getPerson(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(password) < minPasswordLen {
		return nil, fmt.Errorf("%w: password must be at least %d characters", errs.InvalidArgument, minPasswordLen)
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	return u, user_model.SetPasswordHash(ctx, u.ID, hash)
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
