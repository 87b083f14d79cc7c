package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestAccounts_ProviderAnswers checks every identity.Provider method on the
// host's tables, with the error kinds the interface promises.
func TestAccounts_ProviderAnswers(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b)
			w := seedWorld(t, h)
			var p identity.Provider = h.Accounts()
			ctx := context.Background()
			bob := w.users["bob"]

			u, err := p.UserByAccessToken(ctx, w.tokens["bob"])
			require.NoError(t, err)
			assert.Equal(t, &identity.User{ID: bob.ID, Name: "bob"}, u)
			_, err = p.UserByAccessToken(ctx, "not-a-token")
			assert.ErrorIs(t, err, errs.Unauthenticated)

			for _, login := range []string{"bob", "BOB", "bob@example.com"} {
				u, err = p.UserByPassword(ctx, login, "pw-bob")
				require.NoError(t, err, login)
				assert.Equal(t, bob.ID, u.ID)
			}
			for _, c := range [][2]string{{"bob", "pw-carol"}, {"nobody", "pw-bob"}, {"acme", ""}, {"", ""}} {
				_, err = p.UserByPassword(ctx, c[0], c[1])
				assert.ErrorIs(t, err, errs.Unauthenticated, "%q", c[0])
			}

			u, err = p.GetUserByID(ctx, bob.ID)
			require.NoError(t, err)
			assert.Equal(t, "bob", u.Name)
			_, err = p.GetUserByID(ctx, w.acme.ID)
			assert.ErrorIs(t, err, errs.NotFound, "an organization is not a user")
			_, err = p.GetUserByID(ctx, 1<<40)
			assert.ErrorIs(t, err, errs.NotFound)

			acme, err := p.GetOwnerByName(ctx, "ACME")
			require.NoError(t, err)
			assert.Equal(t, &identity.Owner{ID: w.acme.ID, Name: "acme", IsOrg: true}, acme)
			o, err := p.GetOwnerByID(ctx, bob.ID)
			require.NoError(t, err)
			assert.Equal(t, &identity.Owner{ID: bob.ID, Name: "bob"}, o)
			_, err = p.GetOwnerByName(ctx, "nobody")
			assert.ErrorIs(t, err, errs.NotFound)
			_, err = p.GetOwnerByID(ctx, 1<<40)
			assert.ErrorIs(t, err, errs.NotFound)

			r, err := p.GetRepoByName(ctx, acme, "App")
			require.NoError(t, err)
			assert.Equal(t, "acme/app", r.FullName())
			assert.Equal(t, w.app.ID, r.ID)
			r, err = p.GetRepoByID(ctx, w.tools.ID)
			require.NoError(t, err)
			assert.Equal(t, "dave/tools", r.FullName())
			_, err = p.GetRepoByName(ctx, acme, "tools")
			assert.ErrorIs(t, err, errs.NotFound, "a repository of another owner")
			_, err = p.GetRepoByID(ctx, 1<<40)
			assert.ErrorIs(t, err, errs.NotFound)

			// Zero values name nothing (they must not match any row).
			_, err = p.GetUserByID(ctx, 0)
			assert.ErrorIs(t, err, errs.NotFound)
			_, err = p.GetOwnerByID(ctx, 0)
			assert.ErrorIs(t, err, errs.NotFound)
			_, err = p.GetOwnerByName(ctx, "")
			assert.ErrorIs(t, err, errs.NotFound)
			_, err = p.GetRepoByName(ctx, acme, "")
			assert.ErrorIs(t, err, errs.NotFound)
			_, err = p.GetRepoByID(ctx, 0)
			assert.ErrorIs(t, err, errs.NotFound)
			_, err = p.UserByAccessToken(ctx, "")
			assert.ErrorIs(t, err, errs.Unauthenticated)

			for _, c := range []struct {
				name string
				got  func() (bool, error)
				want bool
			}{
				{"alice owns acme", func() (bool, error) { return p.IsOrgOwner(ctx, w.acme.ID, w.users["alice"].ID) }, true},
				{"carol is only a member", func() (bool, error) { return p.IsOrgOwner(ctx, w.acme.ID, w.users["carol"].ID) }, false},
				{"bob administers acme/app", func() (bool, error) { return isRepoAdmin(ctx, p, w.app.ID, bob.ID) }, true},
				{"not acme/web", func() (bool, error) { return isRepoAdmin(ctx, p, w.web.ID, bob.ID) }, false},
				{"alice owns the org, which is not a grant", func() (bool, error) { return isRepoAdmin(ctx, p, w.app.ID, w.users["alice"].ID) }, false},
			} {
				got, err := c.got()
				require.NoError(t, err, c.name)
				assert.Equal(t, c.want, got, c.name)
			}

			orgs, err := p.OrgsOwnedBy(ctx, w.users["alice"].ID)
			require.NoError(t, err)
			assert.Equal(t, []*identity.Owner{acme}, orgs)
			orgs, err = p.OrgsOwnedBy(ctx, w.users["carol"].ID)
			require.NoError(t, err)
			assert.Empty(t, orgs)
			assert.Equal(t, []string{"acme/app"}, repoNames(t)(p.ReposAdministeredBy(ctx, bob.ID)))
			assert.Equal(t, []string{"acme/app", "acme/web"}, repoNames(t)(p.ReposOf(ctx, w.acme.ID)))
			assert.Equal(t, []string{"dave/tools"}, repoNames(t)(p.ReposOf(ctx, w.users["dave"].ID)))

			// What Runnerhub makes of it: the scopes bob may manage.
			u, err = p.GetUserByID(ctx, bob.ID)
			require.NoError(t, err)
			scopes, err := identity.ManagedScopes(ctx, p, u)
			require.NoError(t, err)
			var names []string
			for _, sc := range scopes {
				names = append(names, sc.String())
			}
			assert.Equal(t, []string{"user bob", "repo acme/app"}, names)

			_, err = h.x.ID(w.users["dave"].ID).Delete(new(User))
			require.NoError(t, err)
			_, err = p.UserByAccessToken(ctx, w.tokens["dave"])
			assert.ErrorIs(t, err, errs.Unauthenticated, "the token of a removed user signs nobody in")
		})
	}
}

func repoNames(t *testing.T) func([]*identity.Repo, error) []string {
	return func(rs []*identity.Repo, err error) []string {
		t.Helper()
		require.NoError(t, err)
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.FullName()
		}
		return out
	}
}

// TestAccounts_BadInputChangesNothing refuses what the host's account
// management cannot take, with a clear error and no row written.
func TestAccounts_BadInputChangesNothing(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b)
			w := seedWorld(t, h)
			a, ctx := h.Accounts(), context.Background()
			count := func() int64 {
				n, err := h.x.Count(new(User))
				require.NoError(t, err)
				return n
			}
			before := count()

			_, err := a.CreateOrg(ctx, "ghost", "", 1<<40)
			assert.ErrorIs(t, err, errs.NotFound, "an organization needs an owner who exists")
			_, err = a.CreateOrg(ctx, "sub", "", w.acme.ID)
			assert.ErrorIs(t, err, errs.InvalidArgument, "an organization owns no organization")
			for _, name := range []string{"", "api", "Login", "a/b", "-x", "..", "has space"} {
				_, err = a.CreateUser(ctx, name, "", "", "pw", false)
				assert.ErrorIs(t, err, errs.InvalidArgument, "%q", name)
			}
			_, err = a.CreateUser(ctx, "erin", "", "", "", false)
			assert.ErrorIs(t, err, errs.InvalidArgument, "a person needs a password")
			_, err = a.CreateRepo(ctx, w.acme, "api", false, "", "")
			assert.ErrorIs(t, err, errs.InvalidArgument)
			assert.Equal(t, before, count())
			_, err = a.GetOwnerByName(ctx, "ghost")
			assert.ErrorIs(t, err, errs.NotFound)
		})
	}
}

func isRepoAdmin(ctx context.Context, p identity.Provider, repoID, userID int64) (bool, error) {
	mode, err := p.RepoAccess(ctx, repoID, userID)
	return mode >= identity.AccessAdmin, err
}
