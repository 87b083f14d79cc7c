package v1

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

type callerKey struct{}

// authMethod is how a caller proved who they are.
type authMethod int

const (
	byToken    authMethod = iota + 1 // an access token, in any header
	byPassword                       // the user's password, with basic auth
)

// caller is the authenticated user of a request and how they signed in.
type caller struct {
	user   *identity.User
	method authMethod
}

func withCaller(ctx context.Context, u *identity.User, m authMethod) context.Context {
	return context.WithValue(ctx, callerKey{}, caller{user: u, method: m})
}

// Caller returns the authenticated user of the request; nil only on routes
// registered with HandlePublic.
func Caller(r *http.Request) *identity.User {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c.user
}

// signedInWithPassword reports whether the caller gave their password, as
// making an access token requires: a token must not make more tokens.
func signedInWithPassword(r *http.Request) bool {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c.user != nil && c.method == byPassword
}

var (
	errSignInRequired = fmt.Errorf("%w: sign in with \"Authorization: token <access token>\" or HTTP basic auth", errs.Unauthenticated)
	errNoSuchRoute    = fmt.Errorf("%w: no such API route", errs.NotFound)
)

// authenticate resolves the credentials as Gitea does: "Authorization: token
// <pat>" (or "Bearer <pat>"), or HTTP basic auth with a password or with an
// access token as the password. No credentials is not an error: the caller
// is anonymous. Wrong credentials are.
func (a *API) authenticate(r *http.Request) (*identity.User, authMethod, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, 0, nil
	}
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case "token", "bearer":
		if value == "" {
			return nil, 0, fmt.Errorf("%w: empty access token", errs.Unauthenticated)
		}
		u, err := a.Identity.UserByAccessToken(r.Context(), value)
		return u, byToken, err
	case "basic":
		name, password, ok := r.BasicAuth()
		if !ok {
			return nil, 0, fmt.Errorf("%w: malformed basic auth", errs.Unauthenticated)
		}
		// A token as the password is cheap to check; try it before the
		// deliberately slow password hash.
		if u, err := a.Identity.UserByAccessToken(r.Context(), password); err == nil {
			if !strings.EqualFold(u.Name, name) {
				return nil, 0, fmt.Errorf("%w: access token does not belong to %s", errs.Unauthenticated, name)
			}
			return u, byToken, nil
		} else if !errors.Is(err, errs.Unauthenticated) {
			return nil, 0, err
		}
		// Over the limit of failed passwords the attempt is refused before
		// the hash, which is what makes guessing expensive for the server.
		u, err := a.Passwords.UserByPassword(r.Context(), a.Identity, clientaddr.OfRequest(r), name, password)
		return u, byPassword, err
	}
	return nil, 0, fmt.Errorf("%w: unsupported authorization scheme %q", errs.Unauthenticated, scheme)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
