package identity

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	auth_model "code.runnerhub.dev/runnerhub/models/auth"
	"code.runnerhub.dev/runnerhub/models/db"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// AccessToken is a personal access token as its owner sees it; the token
// itself is shown only once, when it is made.
type AccessToken struct {
	ID          int64
	Name        string
	LastEight   string // the token's last eight characters, to tell tokens apart
	Created     int64
	ExpiresUnix int64 // 0: never
	Scope       TokenScope
}

// IsExpired reports whether the token no longer works at now.
func (t *AccessToken) IsExpired(now time.Time) bool {
	return t.ExpiresUnix != 0 && t.ExpiresUnix <= now.Unix()
}

func toAccessToken(t *auth_model.AccessToken) *AccessToken {
	return &AccessToken{ID: t.ID, Name: t.Name, LastEight: t.TokenLastEight, Created: t.Created, ExpiresUnix: t.ExpiresUnix, Scope: StoredTokenScope(t.Scope)}
}

// AccessTokenInput describes a new access token.
type AccessTokenInput struct {
	Name    string
	Expires time.Time // zero: never
	// Scopes are Gitea's scope names (ParseTokenScope); none is "all".
	Scopes []string
}

// maxAccessTokenNameLen is the longest token name.
const maxAccessTokenNameLen = 255

// errNotYours refuses to show or change another user's tokens.
var errNotYours = fmt.Errorf("%w: only the user themself or an admin may manage a user's access tokens", errs.PermissionDenied)

// mayManageTokensOf says whether doer may list, make and revoke owner's tokens.
func mayManageTokensOf(doer, owner *User) error {
	if doer.IsAdmin || doer.ID == owner.ID {
		return nil
	}
	return errNotYours
}

// GenerateAccessToken makes a personal access token for owner, which doer
// must be (or be an admin), and returns it with the token itself, which is
// not kept: only its hash is.
func (s Standalone) GenerateAccessToken(ctx context.Context, doer, owner *User, in AccessTokenInput) (*AccessToken, string, error) {
	if err := mayManageTokensOf(doer, owner); err != nil {
		return nil, "", err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > maxAccessTokenNameLen {
		return nil, "", fmt.Errorf("%w: token name must be 1 to %d characters", errs.InvalidArgument, maxAccessTokenNameLen)
	}
	scope, err := ParseTokenScope(in.Scopes)
	if err != nil {
		return nil, "", err
	}
	var expires int64
	if !in.Expires.IsZero() {
		if !in.Expires.After(time.Now()) {
			return nil, "", fmt.Errorf("%w: the expiry %s is not in the future", errs.InvalidArgument, in.Expires.UTC().Format(time.RFC3339))
		}
		expires = in.Expires.Unix()
	}
	token := secret.NewToken()
	t := &auth_model.AccessToken{UID: owner.ID, Name: name, TokenHash: secret.Hash(token), TokenLastEight: token[len(token)-8:], ExpiresUnix: expires, Scope: scope.String()}
	if err := auth_model.CreateAccessToken(ctx, t); err != nil {
		return nil, "", err
	}
	return toAccessToken(t), token, nil
}

// CreateAccessToken makes a token that never expires for the user, as the
// operator; it returns the token itself.
func (s Standalone) CreateAccessToken(ctx context.Context, userID int64, name string) (string, error) {
	_, token, err := s.GenerateAccessToken(ctx, Operator, &User{ID: userID}, AccessTokenInput{Name: name})
	return token, err
}

// ListAccessTokens returns a page of owner's tokens, oldest first, and how
// many there are; doer must be owner or an admin.
func (Standalone) ListAccessTokens(ctx context.Context, doer, owner *User, page, pageSize int) ([]*AccessToken, int64, error) {
	if err := mayManageTokensOf(doer, owner); err != nil {
		return nil, 0, err
	}
	ts, total, err := auth_model.FindAccessTokens(ctx, owner.ID, page, pageSize)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*AccessToken, len(ts))
	for i, t := range ts {
		out[i] = toAccessToken(t)
	}
	return out, total, nil
}

// DeleteAccessToken revokes one of owner's tokens, named by its id or, when
// that is not a number, its name (as Gitea's API does); doer must be owner
// or an admin. Every server process stops accepting it at once: tokens are
// looked up in the database on every use, never cached.
func (Standalone) DeleteAccessToken(ctx context.Context, doer, owner *User, idOrName string) (*AccessToken, error) {
	if err := mayManageTokensOf(doer, owner); err != nil {
		return nil, err
	}
	var t *auth_model.AccessToken
	var err error
	if id, perr := strconv.ParseInt(idOrName, 10, 64); perr == nil && id > 0 {
		t, err = auth_model.GetAccessTokenByID(ctx, owner.ID, id)
	} else {
		t, err = auth_model.GetAccessTokenByUIDAndName(ctx, owner.ID, idOrName)
	}
	if err != nil {
		return nil, err
	}
	if err := auth_model.DeleteAccessToken(ctx, owner.ID, t.ID); err != nil {
		return nil, err
	}
	return toAccessToken(t), nil
}

// UserByAccessToken implements Provider: a token works while it exists and
// has not expired.
func (s Standalone) UserByAccessToken(ctx context.Context, token string) (*User, error) {
	u, _, err := s.UserByScopedAccessToken(ctx, token)
	return u, err
}

// UserByScopedAccessToken implements ScopedTokens: the token's user and
// what the token may do.
func (Standalone) UserByScopedAccessToken(ctx context.Context, token string) (*User, TokenScope, error) {
	t, err := auth_model.GetAccessTokenByHash(ctx, secret.Hash(token))
	if errors.Is(err, db.ErrNotExist) {
		return nil, TokenScope{}, fmt.Errorf("%w: access token is unknown", errs.Unauthenticated)
	}
	if err != nil {
		return nil, TokenScope{}, err
	}
	if t.IsExpired(time.Now().Unix()) {
		return nil, TokenScope{}, fmt.Errorf("%w: access token has expired", errs.Unauthenticated)
	}
	u, err := user_model.GetUserByID(ctx, t.UID)
	if errors.Is(err, db.ErrNotExist) {
		return nil, TokenScope{}, fmt.Errorf("%w: access token belongs to a removed user", errs.Unauthenticated)
	}
	if err != nil {
		return nil, TokenScope{}, err
	}
	return toUser(u), StoredTokenScope(t.Scope), nil
}
