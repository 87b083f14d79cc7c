package db_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	auth_model "code.runnerhub.dev/runnerhub/models/auth"
	"code.runnerhub.dev/runnerhub/models/db"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// lockedLog is a log buffer the engine's connections write to at once.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSQLLogger_LeavesOutSecretColumns writes, finds and updates every kind
// of stored secret through the models with SQL logging on, on every
// database, as each dialect's own SQL: the log shows the statements and
// their other values, never a token hash, a password hash or a sealed
// secret.
func TestSQLLogger_LeavesOutSecretColumns(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		var log lockedLog
		e := db.Engine(ctx)
		e.SetLogger(db.NewSQLLogger(&log))
		e.ShowSQL(true)

		tokenHash := secret.Hash(secret.NewToken())
		passwordHash := secret.HashPassword("correct horse battery staple")
		sealed := "sealed-" + secret.NewToken()
		u := &user_model.User{Name: "visible-user-name", Email: "v@example.com", PasswdHash: passwordHash}
		require.NoError(t, user_model.CreateUser(ctx, u))
		u.PasswdHash = secret.HashPassword("another one")
		require.NoError(t, user_model.UpdateUserCols(ctx, u, "passwd_hash"))
		require.NoError(t, auth_model.CreateAccessToken(ctx, &auth_model.AccessToken{UID: u.ID, Name: "ci", TokenHash: tokenHash, TokenLastEight: "abcdefgh"}))
		_, err := auth_model.GetAccessTokenByHash(ctx, tokenHash)
		require.NoError(t, err)
		require.NoError(t, auth_model.CreateSession(ctx, &auth_model.Session{TokenHash: secret.Hash("session"), UID: u.ID, ExpiresUnix: 1 << 40}))
		require.NoError(t, auth_model.DeleteSessionByHash(ctx, secret.Hash("session")))
		require.NoError(t, actions_model.CreateRunnerToken(ctx, &actions_model.RunnerToken{Name: "pool", TokenHash: secret.Hash("reg"), TokenCipher: sealed, IsDefault: true}))
		_, err = actions_model.GetRunnerTokenByHash(ctx, secret.Hash("reg"))
		require.NoError(t, err)
		r := &actions_model.Runner{UUID: "visible-uuid", Name: "runner", TokenHash: secret.Hash("runner")}
		require.NoError(t, actions_model.CreateRunner(ctx, r))
		_, err = actions_model.GetRunnerByUUID(ctx, "visible-uuid")
		require.NoError(t, err)
		_, _ = actions_model.GetTaskByTokenHash(ctx, secret.Hash("runtime"))
		require.NoError(t, webhook_model.CreateWebhook(ctx, &webhook_model.Webhook{Type: "gitea", URL: "https://visible.example/hook", ContentType: "json", SecretCipher: sealed + "-hook"}))

		out := log.String()
		require.Contains(t, out, "token_hash", "the statements are logged")
		assert.Contains(t, out, "visible-uuid", "values of other columns are logged")
		assert.Contains(t, out, "visible-user-name")
		assert.Contains(t, out, "[redacted]")
		for _, s := range []string{tokenHash, passwordHash, u.PasswdHash, sealed, secret.Hash("session"), secret.Hash("reg"), secret.Hash("runner"), secret.Hash("runtime")} {
			assert.NotContains(t, out, s)
		}
	})
}
