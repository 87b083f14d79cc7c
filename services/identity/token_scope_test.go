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

func TestParseTokenScope(t *testing.T) {
	for _, tc := range []struct {
		in    []string
		names []string
	}{
		{nil, []string{"all"}},
		{[]string{""}, []string{"all"}},
		{[]string{"all"}, []string{"all"}},
		{[]string{"read:repository"}, []string{"read:repository"}},
		{[]string{"read:repository,write:repository"}, []string{"write:repository"}},
		{[]string{"write:user", " read:admin "}, []string{"read:admin", "write:user"}},
		{[]string{"read:user,all"}, []string{"all"}},
		{[]string{"write:activitypub,write:admin,write:issue,write:misc,write:notification,write:organization,write:package,write:repository,write:user"}, []string{"all"}},
	} {
		s, err := identity.ParseTokenScope(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.names, s.Names(), tc.in)
		back := identity.StoredTokenScope(s.String())
		assert.Equal(t, tc.names, back.Names(), "%v survives storage", tc.in)
	}
	for _, bad := range []string{"read:repo", "admin", "write:", "public-only", "delete:user", "READ:user"} {
		_, err := identity.ParseTokenScope([]string{"read:user", bad})
		require.ErrorIs(t, err, errs.InvalidArgument, bad)
		assert.Contains(t, err.Error(), bad, "the error names the scope")
	}

	s, err := identity.ParseTokenScope([]string{"write:organization,read:repository"})
	require.NoError(t, err)
	assert.True(t, s.Allows(identity.CategoryOrganization, identity.TokenWrite))
	assert.True(t, s.Allows(identity.CategoryOrganization, identity.TokenRead), "write includes read")
	assert.True(t, s.Allows(identity.CategoryRepository, identity.TokenRead))
	assert.False(t, s.Allows(identity.CategoryRepository, identity.TokenWrite))
	assert.False(t, s.Allows(identity.CategoryAdmin, identity.TokenRead))
	assert.True(t, identity.StoredTokenScope("").IsAll(), "a token stored before scopes existed keeps all")
	assert.False(t, identity.StoredTokenScope("garbage").Allows(identity.CategoryUser, identity.TokenRead), "a damaged row allows nothing")
}

// TestStandalone_TokenScopes on every database: a token keeps the scope it
// was made with; an unknown scope makes no token.
func TestStandalone_TokenScopes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		alice, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
		require.NoError(t, err)
		_, _, err = acc.GenerateAccessToken(ctx, alice, alice, identity.AccessTokenInput{Name: "bad", Scopes: []string{"read:repository", "write:everything"}})
		require.ErrorIs(t, err, errs.InvalidArgument)
		made, token, err := acc.GenerateAccessToken(ctx, alice, alice, identity.AccessTokenInput{Name: "ci", Scopes: []string{"read:repository,write:organization"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"write:organization", "read:repository"}, made.Scope.Names())
		_, full, err := acc.GenerateAccessToken(ctx, alice, alice, identity.AccessTokenInput{Name: "full"})
		require.NoError(t, err)

		u, scope, err := acc.UserByScopedAccessToken(ctx, token)
		require.NoError(t, err)
		assert.Equal(t, "alice", u.Name)
		assert.Equal(t, []string{"write:organization", "read:repository"}, scope.Names())
		_, scope, err = acc.UserByScopedAccessToken(ctx, full)
		require.NoError(t, err)
		assert.True(t, scope.IsAll(), "no scopes named is all")
		ts, _, err := acc.ListAccessTokens(ctx, alice, alice, 0, 0)
		require.NoError(t, err)
		require.Len(t, ts, 2, "the refused token was not made")
		assert.Equal(t, "ci", ts[0].Name)
		assert.Equal(t, []string{"write:organization", "read:repository"}, ts[0].Scope.Names())
	})
}
