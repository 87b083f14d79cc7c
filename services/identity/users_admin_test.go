package identity_test

import (
	"context"
	"testing"
	"time"

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

		_, err = acc.ChangePassword(ctx, "owner", "short", false)
		require.ErrorIs(t, err, errs.InvalidArgument)
		_, err = acc.ChangePassword(ctx, "owner", "a-new-password", false)
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

// TestStandalone_ChangePasswordEndsSessions on every database: a changed
// password signs the user out of every web session, and only theirs.
func TestStandalone_ChangePasswordEndsSessions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		sessions := &identity.Sessions{Provider: acc, LifeTime: time.Hour, Now: time.Now}
		alice, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
		require.NoError(t, err)
		bob, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: "bob", Password: "bob-password"})
		require.NoError(t, err)
		laptop, err := sessions.Create(ctx, alice)
		require.NoError(t, err)
		phone, err := sessions.Create(ctx, alice)
		require.NoError(t, err)
		bobs, err := sessions.Create(ctx, bob)
		require.NoError(t, err)

		_, err = acc.ChangePassword(ctx, "alice", "short", false)
		require.Error(t, err)
		_, err = sessions.User(ctx, laptop)
		require.NoError(t, err, "a refused change ends nothing")

		u, err := acc.ChangePassword(ctx, "alice", "alice-new-password", true)
		require.NoError(t, err)
		assert.True(t, u.MustChangePassword)
		for _, s := range []string{laptop, phone} {
			_, err = sessions.User(ctx, s)
			assert.ErrorIs(t, err, errs.Unauthenticated, "alice's sessions ended")
		}
		_, err = sessions.User(ctx, bobs)
		assert.NoError(t, err, "bob's session is not alice's")
		u, err = acc.UserByPassword(ctx, "alice", "alice-new-password")
		require.NoError(t, err)
		assert.True(t, u.MustChangePassword, "the flag travels with the user")
	})
}

// TestStandalone_SetMustChangePassword on every database: named users, or
// all but the excluded, set and unset; bad input changes nothing.
func TestStandalone_SetMustChangePassword(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		root, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
		require.NoError(t, err)
		for _, n := range []string{"ann", "ben", "cy"} {
			_, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: n, Password: n + "-password"})
			require.NoError(t, err)
		}
		_, err = acc.CreateOrg(ctx, root, "acme")
		require.NoError(t, err)
		flags := func() map[string]bool {
			us, err := acc.ListUsers(ctx)
			require.NoError(t, err)
			out := map[string]bool{}
			for _, u := range us {
				out[u.Name] = u.MustChangePassword
			}
			return out
		}

		for name, in := range map[string]identity.MustChangePasswordInput{
			"nobody named":        {},
			"names and all":       {All: true, Names: []string{"ann"}},
			"exclude without all": {Names: []string{"ann"}, Exclude: []string{"ben"}},
			"unknown name":        {Names: []string{"ann", "nobody"}},
			"organization":        {Names: []string{"acme"}},
			"unknown excluded":    {All: true, Exclude: []string{"nobody"}},
		} {
			_, err := acc.SetMustChangePassword(ctx, in)
			assert.Error(t, err, name)
		}
		assert.Equal(t, map[string]bool{"root": false, "ann": false, "ben": false, "cy": false}, flags(), "refused input changes nothing")

		n, err := acc.SetMustChangePassword(ctx, identity.MustChangePasswordInput{Names: []string{"ANN", "ben"}})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		assert.Equal(t, map[string]bool{"root": false, "ann": true, "ben": true, "cy": false}, flags())
		n, err = acc.SetMustChangePassword(ctx, identity.MustChangePasswordInput{All: true, Exclude: []string{"root"}})
		require.NoError(t, err)
		assert.EqualValues(t, 3, n, "every user but root, counted whether or not already set; organizations are not users")
		assert.Equal(t, map[string]bool{"root": false, "ann": true, "ben": true, "cy": true}, flags())
		n, err = acc.SetMustChangePassword(ctx, identity.MustChangePasswordInput{Names: []string{"ben"}, Unset: true})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, map[string]bool{"root": false, "ann": true, "ben": false, "cy": true}, flags())
	})
}
