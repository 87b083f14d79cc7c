// Package v1 serves Runnerhub's management REST API under /api/v1, with
// Gitea's paths and JSON shapes.
//
// How to add routes: write a file in this package with one method that
// registers them, and call it from (*API).routes below. Handlers are plain
// http handlers; the caller is already authenticated and rate-limited.
//
//	func (a *API) registerRunRoutes() {
//		// Any signed-in caller; Caller(r) is the user.
//		a.Handle("GET /api/v1/user/things", a.listThings)
//		// GET /api/v1/repos/{owner}/{repo}/actions/runs: the repository is
//		// resolved (404 when unknown) and the caller must manage it (403).
//		a.HandleScoped("GET", RepoScope, "/actions/runs", a.listRuns)
//		// The same suffix on all four scope prefixes: /admin, /orgs/{org},
//		// /user and /repos/{owner}/{repo}.
//		a.HandleScoped("GET", AllScopes, "/actions/jobs", a.listJobs)
//	}
//
//	func (a *API) listRuns(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
//		page, err := a.ParsePagination(r)
//		if err != nil {
//			WriteError(w, r, err)
//			return
//		}
//		... call one service function with sc.OwnerID(), sc.RepoID() ...
//		a.SetPage(w, r, page, total) // X-Total-Count and Link
//		WriteJSON(w, http.StatusOK, out)
//	}
//
// Errors: return services' errors (wrapping modules/errs kinds) to
// WriteError, which picks the status; BadRequest marks malformed input (400)
// as opposed to input a service refused (422). New services go into Deps.
package v1

import (
	"errors"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/modules/ratelimit"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Deps is everything the handlers use; routers.New fills it.
type Deps struct {
	Options  *options.Options
	Identity identity.Provider
	// Accounts creates organizations and repositories in standalone mode.
	// A host that embeds Runnerhub and keeps its own accounts leaves it nil,
	// and those routes are not served.
	Accounts  *identity.Standalone
	Actions   *actions_service.Service
	Workflows *workflow_service.Service // run intake, reads and cancel
	Webhooks  *webhook_service.Service
	// Passwords limits password attempts before they are hashed; share one
	// with the web pages. New makes one when it is nil.
	Passwords *identity.PasswordLimits
}

// API is the REST handler.
type API struct {
	Deps
	mux     *http.ServeMux
	limiter *ratelimit.Limiter
}

// New builds the API and its routes.
func New(d Deps) *API {
	if d.Passwords == nil {
		d.Passwords = identity.NewPasswordLimits()
	}
	a := &API{
		Deps:    d,
		mux:     http.NewServeMux(),
		limiter: ratelimit.New(d.Options.API.RateLimit, d.Options.API.RateLimitBurst),
	}
	a.routes()
	return a
}

// Mount serves the API under Prefix on mux.
func Mount(mux *http.ServeMux, d Deps) *API {
	a := New(d)
	mux.Handle(Prefix+"/", a)
	return a
}

// routes registers every route; each file adds its own with one method.
func (a *API) routes() {
	a.HandlePublic("GET "+Prefix+"/version", a.getVersion)
	a.registerUserRoutes()
	a.registerOrgRoutes()
	a.registerRepoRoutes()
	a.registerRunnerRoutes()
	a.registerJITConfigRoutes()
	a.registerRunnerGroupRoutes()
	a.registerRegistrationTokenRoutes()
	a.registerAuditRoutes()
	a.registerWorkflowRoutes()
	a.registerLogRoutes()
	a.registerRerunRoutes()
	a.registerQueueRoutes()
	a.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, errNoSuchRoute)
	})
}

// ServeHTTP authenticates the caller, applies the rate limit (and tells the
// caller where they stand in X-RateLimit-*), and routes; answers to GETs
// carry an ETag (conditionalWriter).
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, authErr := a.authenticate(r)
	u := c.user
	key := "ip:" + clientaddr.OfRequest(r) // before sign-in, and for wrong credentials, the address is who calls
	if u != nil {
		key = "user:" + itoa(u.ID)
	}
	quota := a.limiter.Take(key)
	setRateLimit(w, quota)
	if !quota.Allowed {
		writeRateLimited(w, r, quota.Wait)
		return
	}
	var tooMany *identity.TooManyAttempts
	if errors.As(authErr, &tooMany) {
		writeRateLimited(w, r, tooMany.Wait)
		return
	}
	if authErr != nil {
		WriteError(w, r, authErr)
		return
	}
	ctx := withCaller(r.Context(), c)
	if u != nil { // the audit log records who changed what, from where
		ctx = actions_service.WithActor(ctx, actions_service.Actor{UserID: u.ID, Name: u.Name, RemoteAddr: clientaddr.OfRequest(r)})
	}
	a.mux.ServeHTTP(conditional(w, r), r.WithContext(ctx))
}

// Handle registers a route for any authenticated caller whose access
// token's scope covers the route's category (routeCategories). pattern is a
// net/http pattern such as "GET /api/v1/user".
func (a *API) Handle(pattern string, h http.HandlerFunc) {
	need := needOf(pattern)
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if Caller(r) == nil {
			WriteError(w, r, errSignInRequired)
			return
		}
		if err := checkScope(r, need); err != nil {
			WriteError(w, r, err)
			return
		}
		h(w, r)
	})
}

// HandlePublic registers a route that needs no sign-in.
func (a *API) HandlePublic(pattern string, h http.HandlerFunc) {
	a.mux.HandleFunc(pattern, h)
}

func (a *API) getVersion(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"version": Version})
}

// Version is what GET /api/v1/version reports. Gitea clients check it, so it
// names the Gitea API level Runnerhub follows.
const Version = "1.24.0+runnerhub"
