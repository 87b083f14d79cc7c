package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	auth_model "code.runnerhub.dev/runnerhub/models/auth"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// Sessions keeps web sign-ins in the database, so that signing out ends a
// session on every server process at once. It works with any Provider.
type Sessions struct {
	Provider Provider
	LifeTime time.Duration
	Now      func() time.Time
}

// Create starts a session for u and returns the token the browser keeps.
func (s *Sessions) Create(ctx context.Context, u *User) (string, error) {
	now := s.Now()
	// Sweeping here keeps the table small without a background job.
	if err := auth_model.DeleteExpiredSessions(ctx, now.Unix()); err != nil {
		return "", err
	}
	token := secret.NewToken()
	err := auth_model.CreateSession(ctx, &auth_model.Session{
		TokenHash: secret.Hash(token), UID: u.ID, ExpiresUnix: now.Add(s.LifeTime).Unix(),
	})
	return token, err
}

// User returns the signed-in user of a session token.
func (s *Sessions) User(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: not signed in", errs.Unauthenticated)
	}
	sess, err := auth_model.GetSessionByHash(ctx, secret.Hash(token), s.Now().Unix())
	if errors.Is(err, db.ErrNotExist) {
		return nil, fmt.Errorf("%w: session has ended", errs.Unauthenticated)
	}
	if err != nil {
		return nil, err
	}
	u, err := s.Provider.GetUserByID(ctx, sess.UID)
	if errors.Is(err, errs.NotFound) {
		return nil, fmt.Errorf("%w: session belongs to a removed user", errs.Unauthenticated)
	}
	return u, err
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return auth_model.DeleteSessionByHash(ctx, secret.Hash(token))
}
