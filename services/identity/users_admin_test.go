package identity_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestStandalone_ListChangePasswordDelete on every database: delete takes
// the user's tokens, ownerships and adminships with them, and is refused
// while something would be left without a manager.
func TestStandalone_ListChangePasswordDelete(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		mk := func(name string) *identity.User {
			u, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: name, Password: "password-" + name})
			require.NoError(t, err)
			return u
		}
		owner, helper, solo := mk("owner"), mk("helper"), mk("solo")
		acme, err := acc.CreateOrg(ctx, owner, "acme")
		require.NoError(t, err)
		_, err = acc.AddOrgOwner(ctx, identity.Operator, acme, "helper")
		require.NoError(t, err)
		app, err := acc.CreateRepo(ctx, identity.Operator, acme, "app")
		require.NoError(t, err)
		_, err = acc.SetCollaborator(ctx, identity.Operator, app, "helper", identity.AccessAdmin)
		require.NoError(t, err)
		_, err = acc.CreateRepo(ctx, identity.Operator, &identity.Owner{ID: solo.ID, Name: solo.Name}, "own")
		require.NoError(t, err)
		_, token, err := acc.GenerateAccessToken(ctx, identity.Operator, helper, identity.AccessTokenInput{Name: "ci"})
		require.NoError(t, err)

		us, err := acc.ListUsers(ctx)
		require.NoError(t, err)
		require.Len(t, us, 3, "the organization is not listed")
		assert.Equal(t, []string{"helper", "owner", "solo"}, []string{us[0].Name, us[1].Name, us[2].Name})

		_, err = acc.ChangePassword(ctx, "owner", "short")
		require.ErrorIs(t, err, errs.InvalidArgument)
		_, err = acc.ChangePassword(ctx, "owner", "a-new-password")
		require.NoError(t, err)
		_, err = acc.UserByPassword(ctx, "owner", "password-owner")
		require.Error(t, err)
		_, err = acc.UserByPassword(ctx, "owner", "a-new-password")
		require.NoError(t, err)

		_, err = acc.DeleteUser(ctx, "solo")
		require.ErrorIs(t, err, errs.FailedPrecondition, "solo owns a repository")
		_, err = acc.DeleteUser(ctx, "helper")
		require.NoError(t, err, "owner still owns acme")
		_, err = acc.DeleteUser(ctx, "owner")
		require.ErrorIs(t, err, errs.FailedPrecondition, "owner is now acme's last owner")
		_, err = acc.GetUserByName(ctx, "helper")
		require.Error(t, err)
		u, err := acc.UserByAccessToken(ctx, token)
		assert.Error(t, err, "the deleted user's token is gone")
		assert.Nil(t, u)
		ok, err := identity.CanManage(ctx, acc, helper, identity.RepoScope(app))
		require.NoError(t, err)
		assert.False(t, ok, "no adminship is left behind")
	})
}
