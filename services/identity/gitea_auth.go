package identity

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// Gitea's personal access tokens are 40 hex characters, stored as PBKDF2
// (SHA-256, 10,000 rounds, 50 bytes) with a salt and found by their last
// eight characters. Runnerhub checks them as Gitea does, and remembers a
// token it has checked for a while so that an API client does not pay the
// slow hash on every request; the row is read again each time, so a token
// deleted or regenerated in Gitea stops working at once.

// A token's scopes must let it write organizations and repositories, as
// Gitea's own runner endpoints require, or be "all"; only a token that may
// write admin settings acts as an instance administrator. A public-only
// token is refused: runners are not public.
func giteaScopeAllows(scope string) (ok, admin bool) {
	set := map[string]bool{}
	for _, s := range strings.Split(scope, ",") {
		set[strings.TrimSpace(s)] = true
	}
	if set["public-only"] {
		return false, false
	}
	if set["all"] {
		return true, true
	}
	return set["write:organization"] && set["write:repository"], set["write:admin"]
}

type giteaAccessToken struct {
	ID        int64
	UID       int64
	TokenHash string
	TokenSalt string
	Scope     string
}

func giteaHashToken(token, salt string) string {
	k, err := pbkdf2.Key(sha256.New, token, []byte(salt), 10000, 50)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(k)
}

var errGiteaToken = fmt.Errorf("%w: access token is unknown", errs.Unauthenticated)

// UserByAccessToken implements Provider.
func (g *Gitea) UserByAccessToken(ctx context.Context, token string) (*User, error) {
	if len(token) != 40 {
		return nil, errGiteaToken
	}
	t, err := g.findAccessToken(ctx, token)
	if err != nil {
		return nil, err
	}
	ok, admin := giteaScopeAllows(t.Scope)
	if !ok {
		return nil, fmt.Errorf("%w: the access token's scopes do not allow managing runners (it needs write:organization and write:repository)", errs.PermissionDenied)
	}
	u, err := giteaUserWhere(ctx, "id = ?", t.UID)
	if errors.Is(err, errs.NotFound) {
		return nil, fmt.Errorf("%w: access token belongs to a removed user", errs.Unauthenticated)
	}
	if err != nil {
		return nil, err
	}
	if !u.mayActAs() {
		return nil, fmt.Errorf("%w: this account may not sign in", errs.Unauthenticated)
	}
	user := u.user()
	user.IsAdmin = user.IsAdmin && admin
	return user, nil
}

func (g *Gitea) findAccessToken(ctx context.Context, token string) (*giteaAccessToken, error) {
	key := sha256.Sum256([]byte(token))
	if id, hash, ok := g.tokens.get(key); ok {
		t := &giteaAccessToken{}
		has, err := db.GetEngine(ctx).SQL("SELECT id, uid, token_hash, token_salt, scope FROM access_token WHERE id = ?", id).Get(t)
		if err != nil {
			return nil, db.Wrap(err)
		}
		if has && subtle.ConstantTimeCompare([]byte(t.TokenHash), []byte(hash)) == 1 {
			return t, nil
		}
		g.tokens.drop(key)
	}
	var ts []*giteaAccessToken
	if err := db.GetEngine(ctx).SQL("SELECT id, uid, token_hash, token_salt, scope FROM access_token WHERE token_last_eight = ?", token[len(token)-8:]).Find(&ts); err != nil {
		return nil, db.Wrap(err)
	}
	for _, t := range ts {
		if subtle.ConstantTimeCompare([]byte(giteaHashToken(token, t.TokenSalt)), []byte(t.TokenHash)) == 1 {
			g.tokens.put(key, t.ID, t.TokenHash)
			return t, nil
		}
	}
	return nil, errGiteaToken
}

// giteaTokenCache remembers checked tokens by their SHA-256: the row's id
// and the hash it had.
type giteaTokenCache struct {
	mu sync.Mutex
	m  map[[32]byte]giteaCachedToken
}

type giteaCachedToken struct {
	id    int64
	hash  string
	until time.Time
}

const (
	giteaTokenCacheTTL  = 10 * time.Minute
	giteaTokenCacheSize = 10_000
)

func newGiteaTokenCache() *giteaTokenCache {
	return &giteaTokenCache{m: map[[32]byte]giteaCachedToken{}}
}

func (c *giteaTokenCache) get(key [32]byte) (int64, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Now().After(e.until) {
		return 0, "", false
	}
	return e.id, e.hash, true
}

func (c *giteaTokenCache) put(key [32]byte, id int64, hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= giteaTokenCacheSize {
		clear(c.m) // rare; the next calls pay the hash once more
	}
	c.m[key] = giteaCachedToken{id: id, hash: hash, until: time.Now().Add(giteaTokenCacheTTL)}
}

func (c *giteaTokenCache) drop(key [32]byte) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

// Gitea's PBKDF2 password hashes, by the names passwd_hash_algo holds.
var giteaPasswordAliases = map[string]string{
	"pbkdf2":    "pbkdf2$50000$50",
	"pbkdf2_v1": "pbkdf2$10000$50",
	"pbkdf2_v2": "pbkdf2$50000$50",
	"pbkdf2_hi": "pbkdf2$320000$50",
}

// giteaPasswordMatches checks a password against Gitea's stored hash. Only
// the PBKDF2 family is checked here; users whose hash is argon2, bcrypt or
// scrypt sign in with an access token instead.
func giteaPasswordMatches(password string, u *giteaUser) bool {
	spec := u.PasswdHashAlgo
	if a, ok := giteaPasswordAliases[spec]; ok {
		spec = a
	}
	parts := strings.Split(spec, "$")
	if len(parts) != 3 || parts[0] != "pbkdf2" {
		return false
	}
	iter, err1 := strconv.Atoi(parts[1])
	size, err2 := strconv.Atoi(parts[2])
	want, err3 := hex.DecodeString(u.Passwd)
	if err1 != nil || err2 != nil || err3 != nil || iter < 1 || iter > 1_000_000 || size < 16 || size > 64 || len(want) != size {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, []byte(u.Salt), iter, size)
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// UserByPassword implements Provider, for a user's name or email.
func (*Gitea) UserByPassword(ctx context.Context, login, password string) (*User, error) {
	cond, arg := "lower_name = ?", strings.ToLower(login)
	if strings.Contains(login, "@") {
		cond = "LOWER(email) = ?"
	}
	u, err := giteaUserWhere(ctx, cond+" AND type = ?", arg, giteaTypeIndividual)
	if errors.Is(err, errs.NotFound) {
		giteaPasswordMatches(password, &giteaUser{PasswdHashAlgo: "pbkdf2", Passwd: strings.Repeat("00", 50)}) // as slow as a wrong password
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if !u.mayActAs() || !giteaPasswordMatches(password, u) {
		return nil, errBadCredentials
	}
	return u.user(), nil
}
