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

func TestCanManage_Rules(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		mk := func(name string, admin bool) *identity.User {
			u, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: name, Password: "password-" + name, IsAdmin: admin})
			require.NoError(t, err)
			return u
		}
		root, owner, repoAdmin, alice := mk("root", true), mk("owner", false), mk("repoadmin", false), mk("alice", false)
		acme, err := acc.CreateOrg(ctx, owner, "acme")
		require.NoError(t, err)
		app, err := acc.CreateRepo(ctx, owner, acme, "app")
		require.NoError(t, err)
		_, err = acc.SetCollaborator(ctx, owner, app, "repoadmin", identity.AccessAdmin)
		require.NoError(t, err)
		self, err := acc.GetOwnerByID(ctx, alice.ID)
		require.NoError(t, err)
		lib, err := acc.CreateRepo(ctx, alice, self, "lib")
		require.NoError(t, err)

		scopes := map[string]identity.Scope{
			"instance": identity.InstanceScope, "acme": identity.OwnerScope(acme), "acme/app": identity.RepoScope(app),
			"alice": identity.OwnerScope(self), "alice/lib": identity.RepoScope(lib),
		}
		want := map[string][]string{ // who manages each scope
			"instance":  {"root"},
			"acme":      {"root", "owner"},
			"acme/app":  {"root", "owner", "repoadmin"},
			"alice":     {"root", "alice"},
			"alice/lib": {"root", "alice"},
		}
		for name, sc := range scopes {
			for _, u := range []*identity.User{root, owner, repoAdmin, alice, nil} {
				ok, err := identity.CanManage(ctx, acc, u, sc)
				require.NoError(t, err)
				who := "anonymous"
				if u != nil {
					who = u.Name
				}
				assert.Equal(t, contains(want[name], who), ok, "%s manages %s", who, name)
			}
		}

		_, err = acc.CreateRepo(ctx, repoAdmin, acme, "sneaky")
		assert.ErrorIs(t, err, errs.PermissionDenied, "a repo admin cannot add repositories to the org")
		_, err = acc.AddOrgOwner(ctx, alice, acme, "alice")
		assert.ErrorIs(t, err, errs.PermissionDenied, "nobody makes themselves an owner")

		managed, err := identity.ManagedScopes(ctx, acc, repoAdmin)
		require.NoError(t, err)
		var names []string
		for _, sc := range managed {
			names = append(names, sc.String())
		}
		assert.Equal(t, []string{"user repoadmin", "repo acme/app"}, names)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestStandalone_Credentials(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		u, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: "Alice", Password: "alice-password"})
		require.NoError(t, err)
		got, err := acc.UserByPassword(ctx, "alice", "alice-password")
		require.NoError(t, err, "names are matched ignoring case")
		assert.Equal(t, u.ID, got.ID)
		for _, c := range [][2]string{{"alice", "wrong"}, {"nobody", "alice-password"}, {"", ""}} {
			_, err := acc.UserByPassword(ctx, c[0], c[1])
			assert.ErrorIs(t, err, errs.Unauthenticated, c[0])
		}
		org, err := acc.CreateOrg(ctx, u, "acme")
		require.NoError(t, err)
		_, err = acc.UserByPassword(ctx, org.Name, "")
		assert.ErrorIs(t, err, errs.Unauthenticated, "an organization cannot sign in")

		token, err := acc.CreateAccessToken(ctx, u.ID, "ci")
		require.NoError(t, err)
		got, err = acc.UserByAccessToken(ctx, token)
		require.NoError(t, err)
		assert.Equal(t, u.ID, got.ID)
		other := token[:39] + "0"
		if other == token {
			other = token[:39] + "1"
		}
		_, err = acc.UserByAccessToken(ctx, other)
		assert.ErrorIs(t, err, errs.Unauthenticated)
		_, err = acc.CreateAccessToken(ctx, u.ID, "ci")
		assert.ErrorIs(t, err, errs.AlreadyExists)

		for _, in := range []identity.CreateUserInput{
			{Name: "bob", Password: "short"},
			{Name: "-bob", Password: "long-enough"},
			{Name: "user", Password: "long-enough"},
			{Name: "bob", Password: "long-enough", Email: "not-an-address"},
			{Name: "ALICE", Password: "long-enough"},
		} {
			_, err := acc.CreateUser(ctx, in)
			assert.Error(t, err, "%+v", in)
		}
	})
}

func TestSessions_EndAndExpire(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		u, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
		require.NoError(t, err)
		now := time.Unix(1_800_000_000, 0)
		s := &identity.Sessions{Provider: acc, LifeTime: time.Hour, Now: func() time.Time { return now }}
		a, err := s.Create(ctx, u)
		require.NoError(t, err)
		b, err := s.Create(ctx, u)
		require.NoError(t, err)
		got, err := s.User(ctx, a)
		require.NoError(t, err)
		assert.Equal(t, "alice", got.Name)

		require.NoError(t, s.Delete(ctx, a))
		_, err = s.User(ctx, a)
		assert.ErrorIs(t, err, errs.Unauthenticated, "signed out")
		_, err = s.User(ctx, b)
		require.NoError(t, err, "other sessions go on")

		now = now.Add(time.Hour)
		_, err = s.User(ctx, b)
		assert.ErrorIs(t, err, errs.Unauthenticated, "expired")
	})
}

// TestStandalone_BoundsConcurrentPasswordHashes sends a burst of password
// checks at once: all are answered, never more than the slots at a time.
func TestStandalone_BoundsConcurrentPasswordHashes(t *testing.T) {
	onSQLite(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandaloneWithHashSlots(2)
		_, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
		require.NoError(t, err)
		const n = 8
		errc := make(chan error, n)
		for i := 0; i < n; i++ {
			login := "alice"
			if i%2 == 1 {
				login = "nobody" // an unknown name costs the same hash
			}
			go func() {
				_, err := acc.UserByPassword(ctx, login, "wrong-password")
				errc <- err
			}()
		}
		for i := 0; i < n; i++ {
			require.ErrorIs(t, <-errc, errs.Unauthenticated)
		}
		st := acc.PasswordHashStats()
		assert.Equal(t, int64(n+1), st.Computed, "one hash per check, and one to create the user")
		assert.LessOrEqual(t, st.Peak, int64(2), "at most two at once")
	})
}
