package actions_test

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

func newService(t *testing.T) *actions_service.Service {
	t.Helper()
	box, err := secret.NewBox("unit-test-key")
	require.NoError(t, err)
	return actions_service.New(options.Default(), box)
}

func register(ctx context.Context, svc *actions_service.Service, token string) error {
	_, err := svc.Register(ctx, actions_service.RegisterInput{Name: "r", RegistrationToken: token, Labels: []string{"ubuntu-latest"}})
	return err
}

func TestDefaultRegistrationToken_ReusableUntilReset(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		scope := identity.ScopeOf(7, 0)
		tok, err := svc.DefaultRegistrationToken(ctx, scope)
		require.NoError(t, err)
		again, err := svc.DefaultRegistrationToken(ctx, scope)
		require.NoError(t, err)
		assert.Equal(t, tok, again)
		other, err := svc.DefaultRegistrationToken(ctx, identity.InstanceScope)
		require.NoError(t, err)
		assert.NotEqual(t, tok, other, "each scope has its own token")

		stored, err := actions_model.GetRunnerTokenByHash(ctx, secret.Hash(tok))
		require.NoError(t, err)
		assert.NotContains(t, stored.TokenCipher, tok, "stored encrypted, not in clear")

		require.NoError(t, register(ctx, svc, tok))
		require.NoError(t, register(ctx, svc, tok), "reusable")
		fresh, err := svc.ResetRegistrationToken(ctx, scope)
		require.NoError(t, err)
		assert.ErrorIs(t, register(ctx, svc, tok), errs.Unauthenticated)
		require.NoError(t, register(ctx, svc, fresh))
	})
}

func TestRegister_RefusalSaysWhy(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		now := time.Now()
		mk := func(mut func(*actions_model.RunnerToken)) string {
			tok := secret.NewToken()
			rt := &actions_model.RunnerToken{Name: "n", TokenHash: secret.Hash(tok)}
			mut(rt)
			require.NoError(t, actions_model.CreateRunnerToken(ctx, rt))
			return tok
		}
		cases := map[string]string{
			mk(func(rt *actions_model.RunnerToken) { rt.Disabled = true }):                            "disabled",
			mk(func(rt *actions_model.RunnerToken) { rt.ExpiresUnix = now.Add(-time.Minute).Unix() }): "expired",
			mk(func(rt *actions_model.RunnerToken) { rt.MaxUses, rt.Uses = 2, 2 }):                    "used up",
			mk(func(rt *actions_model.RunnerToken) { rt.Deleted = now.Unix() }):                       "deleted",
			secret.NewToken(): "unknown",
			"":                "required",
		}
		for tok, why := range cases {
			err := register(ctx, svc, tok)
			require.Error(t, err, why)
			assert.True(t, errors.Is(err, errs.Unauthenticated), why)
			assert.Contains(t, err.Error(), why)
		}
	})
}

func TestRegister_MaxUsesHoldsExactly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		tok := secret.NewToken()
		require.NoError(t, actions_model.CreateRunnerToken(ctx, &actions_model.RunnerToken{Name: "two", TokenHash: secret.Hash(tok), MaxUses: 2}))
		require.NoError(t, register(ctx, svc, tok))
		require.NoError(t, register(ctx, svc, tok))
		err := register(ctx, svc, tok)
		assert.ErrorIs(t, err, errs.Unauthenticated)
		assert.Contains(t, err.Error(), "used up")
	})
}

func TestSeedRegistrationToken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		seed := "seeded-token-0123456789abcdef0123456789"
		require.NoError(t, svc.SeedRegistrationToken(ctx, seed))
		require.NoError(t, svc.SeedRegistrationToken(ctx, seed), "seeding the same token at every start is fine")
		got, err := svc.DefaultRegistrationToken(ctx, identity.InstanceScope)
		require.NoError(t, err)
		assert.Equal(t, seed, got)
		require.NoError(t, register(ctx, svc, seed))
		assert.Error(t, svc.SeedRegistrationToken(ctx, "short"), "a guessable seed is refused")

		other := "another-seed-0123456789abcdef0123456789"
		require.NoError(t, svc.SeedRegistrationToken(ctx, other))
		assert.ErrorIs(t, register(ctx, svc, seed), errs.Unauthenticated, "a new seed replaces the old one")
		assert.Error(t, svc.SeedRegistrationToken(ctx, seed), "a replaced token is not brought back")
	})
}
