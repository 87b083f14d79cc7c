package auth

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Session is a web sign-in. The browser holds the token; only its hash is kept.
type Session struct {
	ID          int64  `xorm:"pk autoincr"`
	TokenHash   string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	UID         int64  `xorm:"INDEX NOT NULL"`
	ExpiresUnix int64  `xorm:"INDEX NOT NULL"`
	Created     int64  `xorm:"created"`
}

func (Session) TableName() string { return "web_session" }

// CreateSession stores s.
func CreateSession(ctx context.Context, s *Session) error {
	_, err := db.GetEngine(ctx).Insert(s)
	return db.Wrap(err)
}

// GetSessionByHash returns a session that has not expired at now.
func GetSessionByHash(ctx context.Context, hash string, now int64) (*Session, error) {
	s := &Session{}
	has, err := db.GetEngine(ctx).Where("token_hash = ? AND expires_unix > ?", hash, now).Get(s)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("session: %w", db.ErrNotExist)
	}
	return s, nil
}

// DeleteSessionByHash ends a session.
func DeleteSessionByHash(ctx context.Context, hash string) error {
	_, err := db.GetEngine(ctx).Where("token_hash = ?", hash).Delete(new(Session))
	return db.Wrap(err)
}

// DeleteSessionsOf ends every session of the user: a changed password
// signs them out everywhere.
func DeleteSessionsOf(ctx context.Context, uid int64) error {
	_, err := db.GetEngine(ctx).Where("uid = ?", uid).Delete(new(Session))
	return db.Wrap(err)
}

// DeleteExpiredSessions removes sessions that ended before now.
func DeleteExpiredSessions(ctx context.Context, now int64) error {
	_, err := db.GetEngine(ctx).Where("expires_unix <= ?", now).Delete(new(Session))
	return db.Wrap(err)
}
