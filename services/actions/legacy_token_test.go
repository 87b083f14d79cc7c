package actions_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/giteafixture"
)

// giteaRunner stores a runner as the adoption of a Gitea database leaves
// it: no token hash of Runnerhub's, Gitea's salted PBKDF2 hash kept aside.
func giteaRunner(t testing.TB, ctx context.Context, uuid, token string) *actions_model.Runner {
	const salt = "a1b2c3d4e5"
	r := &actions_model.Runner{UUID: uuid, Name: "from-gitea", Labels: `["ubuntu-latest"]`,
		LegacyTokenHash: "gitea-pbkdf2-sha256$10000$50$" + salt + "$" + giteafixture.HashToken(token, salt)}
	require.NoError(t, actions_model.CreateRunner(ctx, r))
	return r
}

func TestAuthenticateRunner_GiteaTokenIsCheckedOnceThenRehashed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		token := secret.NewToken()
		giteaRunner(t, ctx, "11111111-2222-3333-4444-555555555555", token)

		_, err := svc.AuthenticateRunner(ctx, "11111111-2222-3333-4444-555555555555", secret.NewToken(), actions_service.CallOther)
		require.ErrorIs(t, err, errs.Unauthenticated, "a wrong token is refused")
		stored, err := actions_model.GetRunnerByUUID(ctx, "11111111-2222-3333-4444-555555555555")
		require.NoError(t, err)
		assert.NotEmpty(t, stored.LegacyTokenHash, "and changes nothing")

		r, err := svc.AuthenticateRunner(ctx, "11111111-2222-3333-4444-555555555555", token, actions_service.CallOther)
		require.NoError(t, err)
		assert.Equal(t, secret.Hash(token), r.TokenHash)

		stored, err = actions_model.GetRunnerByUUID(ctx, "11111111-2222-3333-4444-555555555555")
		require.NoError(t, err)
		assert.Empty(t, stored.LegacyTokenHash, "the slow hash is gone after the first call")
		assert.Equal(t, secret.Hash(token), stored.TokenHash)

		// A process that never saw the runner reads the row: Runnerhub's hash answers.
		fresh := actions_service.New(withCacheTTL(0), mustBox(t))
		_, err = fresh.AuthenticateRunner(ctx, stored.UUID, token, actions_service.CallOther)
		require.NoError(t, err)
		_, err = fresh.AuthenticateRunner(ctx, stored.UUID, secret.NewToken(), actions_service.CallOther)
		require.ErrorIs(t, err, errs.Unauthenticated)
	})
}

func TestAuthenticateRunner_MalformedLegacyHashMatchesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		for i, stored := range []string{
			"gitea-pbkdf2-sha256$10000$50$salt",                                  // too few parts
			"gitea-pbkdf2-sha256$0$50$salt$00",                                   // no rounds
			"gitea-pbkdf2-sha256$99999999$50$salt$" + "00",                       // more rounds than Gitea ever used
			"gitea-pbkdf2-sha256$10000$50$salt$zz",                               // not hex
			"pbkdf2-sha256$10000$50$salt$" + giteafixture.HashToken("t", "salt"), // another scheme
		} {
			uuid := "00000000-0000-0000-0000-00000000000" + string(rune('0'+i))
			require.NoError(t, actions_model.CreateRunner(ctx, &actions_model.Runner{UUID: uuid, Name: "bad", LegacyTokenHash: stored}))
			_, err := svc.AuthenticateRunner(ctx, uuid, "t", actions_service.CallOther)
			assert.ErrorIs(t, err, errs.Unauthenticated, stored)
			_, err = svc.AuthenticateRunner(ctx, uuid, "", actions_service.CallOther)
			assert.ErrorIs(t, err, errs.Unauthenticated, stored)
		}
	})
}

func withCacheTTL(ttl time.Duration) *options.Options {
	o := options.Default()
	o.Actions.RunnerAuthCacheTTL = ttl
	return o
}

func mustBox(t testing.TB) *secret.Box {
	box, err := secret.NewBox("unit-test-key")
	require.NoError(t, err)
	return box
}

// BenchmarkAuthenticateRunner_Gitea is the first call of a runner Gitea
// registered (Gitea's PBKDF2, then the rewrite to Runnerhub's hash) and
// every call after it (SHA-256), with the runner cache off so each call
// reads the row, and on, as polls run.
func BenchmarkAuthenticateRunner_Gitea(b *testing.B) {
	for _, be := range dbtest.Backends() {
		x := be.NewEngine(b)
		ctx := db.WithEngine(context.Background(), x)
		require.NoError(b, migrations.Migrate(ctx, x, migrations.Standalone))
		box := mustBox(b)
		token := secret.NewToken()
		r := giteaRunner(b, ctx, "99999999-2222-3333-4444-555555555555", token)
		legacy := r.LegacyTokenHash
		b.Run(be.Name+"/first-call", func(b *testing.B) {
			svc := actions_service.New(withCacheTTL(0), box)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_, err := x.Exec("UPDATE action_runner SET token_hash = '', legacy_token_hash = ? WHERE id = ?", legacy, r.ID)
				require.NoError(b, err)
				b.StartTimer()
				_, err = svc.AuthenticateRunner(ctx, r.UUID, token, actions_service.CallOther)
				require.NoError(b, err)
			}
		})
		for _, c := range []struct {
			name string
			ttl  time.Duration
		}{{"later-uncached", 0}, {"later-cached", time.Hour}} {
			b.Run(be.Name+"/"+c.name, func(b *testing.B) {
				svc := actions_service.New(withCacheTTL(c.ttl), box)
				_, err := svc.AuthenticateRunner(ctx, r.UUID, token, actions_service.CallOther)
				require.NoError(b, err)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_, err := svc.AuthenticateRunner(ctx, r.UUID, token, actions_service.CallOther)
					require.NoError(b, err)
				}
			})
		}
	}
}
