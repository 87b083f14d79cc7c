package actions_test

import (
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

func TestNamedRegistrationToken_Lifecycle(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		now := time.Unix(1_800_000_000, 0)
		svc.SetClock(func() time.Time { return now })
		scope := identity.ScopeOf(3, 9)

		tok, plain, err := svc.CreateRegistrationToken(ctx, scope, actions_service.NamedTokenInput{
			Name: "autoscaler", Description: "for GARM", ExpiresUnix: now.Add(time.Hour).Unix(), MaxUses: 2, CreatedBy: 5,
		})
		require.NoError(t, err)
		assert.Equal(t, "active", svc.TokenState(tok))
		stored, err := actions_model.GetRunnerTokenByID(ctx, tok.ID)
		require.NoError(t, err)
		assert.Equal(t, secret.Hash(plain), stored.TokenHash)
		assert.Empty(t, stored.TokenCipher, "a named token is kept only as a hash")

		reg, err := svc.Register(ctx, actions_service.RegisterInput{Name: "r1", RegistrationToken: plain, Labels: []string{"x"}})
		require.NoError(t, err)
		assert.Equal(t, int64(3), reg.Runner.OwnerID, "the runner inherits the token's scope")
		assert.Equal(t, int64(9), reg.Runner.RepoID)
		assert.Equal(t, tok.ID, reg.Runner.RegistrationTokenID)

		_, err = svc.SetRegistrationTokenDisabled(ctx, scope, tok.ID, true)
		require.NoError(t, err)
		err = register(ctx, svc, plain)
		assert.ErrorIs(t, err, errs.Unauthenticated)
		assert.Contains(t, err.Error(), "disabled")
		_, err = svc.SetRegistrationTokenDisabled(ctx, scope, tok.ID, false)
		require.NoError(t, err)
		require.NoError(t, register(ctx, svc, plain), "enabled again")
		err = register(ctx, svc, plain)
		assert.Contains(t, err.Error(), "used up")

		list, _, err := svc.ListRegistrationTokens(ctx, scope, db.Page{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, int64(2), list[0].Uses)
		assert.Equal(t, "used up", svc.TokenState(list[0]))

		require.NoError(t, svc.DeleteRegistrationToken(ctx, scope, tok.ID))
		err = register(ctx, svc, plain)
		assert.Contains(t, err.Error(), "deleted")
		list, _, err = svc.ListRegistrationTokens(ctx, scope, db.Page{})
		require.NoError(t, err)
		assert.Empty(t, list)
		_, err = svc.GetRegistrationToken(ctx, scope, tok.ID)
		assert.ErrorIs(t, err, errs.NotFound)
	})
}

func TestNamedRegistrationToken_Expires(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		now := time.Unix(1_800_000_000, 0)
		svc.SetClock(func() time.Time { return now })
		tok, plain, err := svc.CreateRegistrationToken(ctx, identity.InstanceScope, actions_service.NamedTokenInput{Name: "short", ExpiresUnix: now.Add(time.Minute).Unix()})
		require.NoError(t, err)
		require.NoError(t, register(ctx, svc, plain))
		now = now.Add(time.Minute)
		err = register(ctx, svc, plain)
		assert.ErrorIs(t, err, errs.Unauthenticated)
		assert.Contains(t, err.Error(), "expired")
		assert.Equal(t, "expired", svc.TokenState(tok))
	})
}

func TestNamedRegistrationToken_BadInputChangesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		now := time.Unix(1_800_000_000, 0)
		svc.SetClock(func() time.Time { return now })
		scope := identity.ScopeOf(1, 0)
		_, _, err := svc.CreateRegistrationToken(ctx, scope, actions_service.NamedTokenInput{Name: "taken"})
		require.NoError(t, err)
		for name, c := range map[string]struct {
			in   actions_service.NamedTokenInput
			kind error
		}{
			"empty name":     {actions_service.NamedTokenInput{Name: "  "}, errs.InvalidArgument},
			"past expiry":    {actions_service.NamedTokenInput{Name: "a", ExpiresUnix: now.Unix()}, errs.InvalidArgument},
			"negative uses":  {actions_service.NamedTokenInput{Name: "a", MaxUses: -1}, errs.InvalidArgument},
			"long desc":      {actions_service.NamedTokenInput{Name: "a", Description: string(make([]byte, 1001))}, errs.InvalidArgument},
			"duplicate name": {actions_service.NamedTokenInput{Name: "taken"}, errs.AlreadyExists},
		} {
			_, _, err := svc.CreateRegistrationToken(ctx, scope, c.in)
			assert.ErrorIs(t, err, c.kind, name)
		}
		list, _, err := svc.ListRegistrationTokens(ctx, scope, db.Page{})
		require.NoError(t, err)
		assert.Len(t, list, 1, "nothing was created by the refused requests")
	})
}

func TestNamedRegistrationToken_OtherScopeIsNotFound(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		mine, other := identity.ScopeOf(1, 0), identity.ScopeOf(2, 0)
		tok, plain, err := svc.CreateRegistrationToken(ctx, mine, actions_service.NamedTokenInput{Name: "t"})
		require.NoError(t, err)
		_, err = svc.GetRegistrationToken(ctx, other, tok.ID)
		assert.ErrorIs(t, err, errs.NotFound)
		_, err = svc.SetRegistrationTokenDisabled(ctx, other, tok.ID, true)
		assert.ErrorIs(t, err, errs.NotFound)
		assert.ErrorIs(t, svc.DeleteRegistrationToken(ctx, other, tok.ID), errs.NotFound)
		require.NoError(t, register(ctx, svc, plain), "the refused calls changed nothing")
	})
}

func TestDefaultRegistrationToken_DisabledIsReplaced(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newService(t)
		scope := identity.ScopeOf(4, 0)
		first, err := svc.DefaultRegistrationToken(ctx, scope)
		require.NoError(t, err)
		list, _, err := svc.ListRegistrationTokens(ctx, scope, db.Page{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.True(t, list[0].IsDefault)
		_, err = svc.SetRegistrationTokenDisabled(ctx, scope, list[0].ID, true)
		require.NoError(t, err)
		assert.ErrorIs(t, register(ctx, svc, first), errs.Unauthenticated)

		second, err := svc.DefaultRegistrationToken(ctx, scope)
		require.NoError(t, err)
		assert.NotEqual(t, first, second, "asking again makes a new active token, as Gitea does")
		require.NoError(t, register(ctx, svc, second))
	})
}
