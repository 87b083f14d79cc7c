package identity_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/giteafixture"
)

// eachGitea runs fn with a database holding Gitea's tables, nothing else.
func eachGitea(t *testing.T, fn func(t *testing.T, ctx context.Context, g *giteafixture.Gitea)) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := b.NewEngine(t)
			g := giteafixture.Create(t, x)
			fn(t, db.WithEngine(context.Background(), x), g)
		})
	}
}

func TestGitea_AccessTokensAndTheirScopes(t *testing.T) {
	eachGitea(t, func(t *testing.T, ctx context.Context, g *giteafixture.Gitea) {
		p := identity.NewGitea()
		u, err := p.UserByAccessToken(ctx, g.Users["root"].AccessToken)
		require.NoError(t, err)
		assert.Equal(t, "root", u.Name)
		assert.True(t, u.IsAdmin)
		u, err = p.UserByAccessToken(ctx, g.Users["alice"].AccessToken)
		require.NoError(t, err)
		assert.Equal(t, g.Users["alice"].ID, u.ID)
		assert.False(t, u.IsAdmin)
		again, err := p.UserByAccessToken(ctx, g.Users["alice"].AccessToken)
		require.NoError(t, err, "a remembered token")
		assert.Equal(t, u, again)

		u, err = p.UserByAccessToken(ctx, g.Users["bob"].AccessToken)
		require.NoError(t, err, "write:organization and write:repository suffice")
		assert.Equal(t, "bob", u.Name)
		_, err = p.UserByAccessToken(ctx, g.Users["carol"].AccessToken)
		assert.ErrorIs(t, err, errs.PermissionDenied, "a read-only token may not manage runners")

		tok := g.Users["alice"].AccessToken
		wrong := tok[:20] + "00000000000000000000"[:12] + tok[32:] // same last eight, other token
		_, err = p.UserByAccessToken(ctx, wrong)
		assert.ErrorIs(t, err, errs.Unauthenticated)
		_, err = p.UserByAccessToken(ctx, "short")
		assert.ErrorIs(t, err, errs.Unauthenticated)

		// Deleted in Gitea: refused at once, although remembered.
		_, err = db.GetEngine(ctx).Exec("DELETE FROM access_token WHERE uid = ?", g.Users["alice"].ID)
		require.NoError(t, err)
		_, err = p.UserByAccessToken(ctx, tok)
		assert.ErrorIs(t, err, errs.Unauthenticated)
	})
}

func TestGitea_PasswordsOwnersReposAndAccess(t *testing.T) {
	eachGitea(t, func(t *testing.T, ctx context.Context, g *giteafixture.Gitea) {
		p := identity.NewGitea()
		u, err := p.UserByPassword(ctx, "Alice", g.Users["alice"].Password)
		require.NoError(t, err)
		assert.Equal(t, "alice", u.Name)
		u, err = p.UserByPassword(ctx, "alice@example.com", g.Users["alice"].Password)
		require.NoError(t, err)
		assert.Equal(t, "alice", u.Name)
		_, err = p.UserByPassword(ctx, "alice", "wrong")
		assert.ErrorIs(t, err, errs.Unauthenticated)
		_, err = p.UserByPassword(ctx, "acme", "")
		assert.ErrorIs(t, err, errs.Unauthenticated, "an organization does not sign in")
		_, err = p.UserByPassword(ctx, "nobody", "x")
		assert.ErrorIs(t, err, errs.Unauthenticated)

		acme, err := p.GetOwnerByName(ctx, "ACME")
		require.NoError(t, err)
		assert.True(t, acme.IsOrg)
		assert.Equal(t, g.Orgs["acme"], acme.ID)
		_, err = p.GetOwnerByName(ctx, "nobody")
		assert.ErrorIs(t, err, errs.NotFound)
		_, err = p.GetUserByID(ctx, g.Orgs["acme"])
		assert.ErrorIs(t, err, errs.NotFound, "an organization is no user")
		repo, err := p.GetRepoByName(ctx, acme, "App")
		require.NoError(t, err)
		assert.Equal(t, "acme/app", repo.FullName())
		byID, err := p.GetRepoByID(ctx, g.Repos["acme/app"])
		require.NoError(t, err)
		assert.Equal(t, repo.FullName(), byID.FullName())

		alice, bob, carol := g.Users["alice"].ID, g.Users["bob"].ID, g.Users["carol"].ID
		for _, c := range []struct {
			org, user int64
			owner     bool
		}{{g.Orgs["acme"], alice, true}, {g.Orgs["acme"], bob, false}, {g.Orgs["other"], alice, false}, {g.Orgs["other"], carol, true}} {
			ok, err := p.IsOrgOwner(ctx, c.org, c.user)
			require.NoError(t, err)
			assert.Equal(t, c.owner, ok, "org %d user %d", c.org, c.user)
		}
		app := g.Repos["acme/app"]
		for user, want := range map[int64]identity.AccessMode{alice: identity.AccessAdmin, bob: identity.AccessWrite, carol: identity.AccessRead, g.Users["root"].ID: identity.AccessNone} {
			mode, err := p.RepoAccess(ctx, app, user)
			require.NoError(t, err)
			assert.Equal(t, want, mode, "user %d", user)
		}
		orgs, err := p.OrgsOwnedBy(ctx, alice)
		require.NoError(t, err)
		require.Len(t, orgs, 1)
		assert.Equal(t, "acme", orgs[0].Name)
		admin, err := p.ReposAdministeredBy(ctx, alice)
		require.NoError(t, err)
		require.Len(t, admin, 1)
		assert.Equal(t, "acme/app", admin[0].FullName())
		repos, err := p.ReposOf(ctx, g.Orgs["acme"])
		require.NoError(t, err)
		require.Len(t, repos, 1)

		scopes, err := identity.ManagedScopes(ctx, p, &identity.User{ID: alice, Name: "alice"})
		require.NoError(t, err)
		var names []string
		for _, s := range scopes {
			names = append(names, s.String())
		}
		assert.ElementsMatch(t, []string{"user alice", "repo alice/tools", "org acme", "repo acme/app"}, names)
	})
}
