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

// caller is the authenticated user of a request, how they signed in and
// what their credential may do: an access token's scope, or all of the
// user's rights for a password.
type caller struct {
	user   *identity.User
	method authMethod
	scope  identity.TokenScope
}

func withCaller(ctx context.Context, c caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
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
// is anonymous (the zero caller). Wrong credentials are.
func (a *API) authenticate(r *http.Request) (caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return caller{}, nil
	}
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case "token", "bearer":
		if value == "" {
			return caller{}, fmt.Errorf("%w: empty access token", errs.Unauthenticated)
		}
		return a.tokenCaller(r.Context(), value)
	case "basic":
		name, password, ok := r.BasicAuth()
		if !ok {
			return caller{}, fmt.Errorf("%w: malformed basic auth", errs.Unauthenticated)
		}
		// A token as the password is cheap to check; try it before the
		// deliberately slow password hash.
		if c, err := a.tokenCaller(r.Context(), password); err == nil {
			if !strings.EqualFold(c.user.Name, name) {
				return caller{}, fmt.Errorf("%w: access token does not belong to %s", errs.Unauthenticated, name)
			}
			return c, nil
		} else if !errors.Is(err, errs.Unauthenticated) {
			return caller{}, err
		}
		// Over the limit of failed passwords the attempt is refused before
		// the hash, which is what makes guessing expensive for the server.
		u, err := a.Passwords.UserByPassword(r.Context(), a.Identity, clientaddr.OfRequest(r), name, password)
		if err != nil {
			return caller{}, err
		}
		// A password an admin marked to be changed opens only the page
		// that changes it; access tokens keep working.
		if u.MustChangePassword {
			return caller{}, fmt.Errorf("%w: you must change your password first; change it at %suser/settings/change_password", errs.PermissionDenied, a.Options.Server.RootURL)
		}
		return caller{user: u, method: byPassword, scope: identity.AllScopes()}, nil
	}
	return caller{}, fmt.Errorf("%w: unsupported authorization scheme %q", errs.Unauthenticated, scheme)
}

// tokenCaller resolves an access token with its scope; a provider whose
// tokens carry none (a host's) decides alone what they may do, so they get all.
func (a *API) tokenCaller(ctx context.Context, token string) (caller, error) {
	if st, ok := a.Identity.(identity.ScopedTokens); ok {
		u, scope, err := st.UserByScopedAccessToken(ctx, token)
		return caller{user: u, method: byToken, scope: scope}, err
	}
	u, err := a.Identity.UserByAccessToken(ctx, token)
	return caller{user: u, method: byToken, scope: identity.AllScopes()}, err
}

// routeNeed is what a route asks of an access token's scope: a level in
// each of its categories.
type routeNeed struct {
	level      identity.TokenLevel
	categories []identity.TokenCategory
}

// routeCategories declares the token-scope categories of the API's routes
// by path prefix, as Gitea groups its own; the longest matching prefix
// wins. Reading (GET, HEAD) needs read:<category>, anything else
// write:<category>. Every route registered with Handle must fall under one:
// needOf panics at start-up otherwise, so no route can skip the check.
var routeCategories = []struct {
	prefix     string
	categories []identity.TokenCategory
}{
	{Prefix + "/admin", []identity.TokenCategory{identity.CategoryAdmin}},
	{Prefix + "/orgs", []identity.TokenCategory{identity.CategoryOrganization}},
	// A repository made in an organization changes both, as in Gitea.
	{Prefix + "/orgs/{org}/repos", []identity.TokenCategory{identity.CategoryOrganization, identity.CategoryRepository}},
	{Prefix + "/repos", []identity.TokenCategory{identity.CategoryRepository}},
	{Prefix + "/user", []identity.TokenCategory{identity.CategoryUser}},
	{Prefix + "/user/repos", []identity.TokenCategory{identity.CategoryRepository}},
	{Prefix + "/users", []identity.TokenCategory{identity.CategoryUser}},
	{Prefix + "/settings", []identity.TokenCategory{identity.CategoryMisc}},
}

// needOf is what the route pattern ("GET /api/v1/repos/{owner}/{repo}/...")
// asks of a token.
func needOf(pattern string) routeNeed {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	need := routeNeed{level: identity.TokenWrite}
	if method == http.MethodGet || method == http.MethodHead {
		need.level = identity.TokenRead
	}
	best := -1
	for _, rc := range routeCategories {
		if (path == rc.prefix || strings.HasPrefix(path, rc.prefix+"/")) && len(rc.prefix) > best {
			best, need.categories = len(rc.prefix), rc.categories
		}
	}
	if best < 0 {
		panic(fmt.Sprintf("api route %q has no token-scope category: add its prefix to routeCategories", pattern))
	}
	return need
}

// checkScope refuses a caller whose token's scope lacks what the route
// needs, naming the missing scope. It runs before the route resolves
// anything, so a refused token learns nothing of what exists.
func checkScope(r *http.Request, need routeNeed) error {
	c, _ := r.Context().Value(callerKey{}).(caller)
	for _, cat := range need.categories {
		if !c.scope.Allows(cat, need.level) {
			has := c.scope.String()
			if has == "" {
				has = "none"
			}
			return fmt.Errorf("%w: token does not have the scope %s that %s %s needs (the token has: %s)",
				errs.PermissionDenied, identity.ScopeName(cat, need.level), r.Method, r.URL.Path, has)
		}
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
