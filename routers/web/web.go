// Package web serves the HTML pages: sign-in, and a "Runners" settings page
// per scope (instance, organization, user, repository) after Gitea's, with
// the registration-token panel and a page per runner; each scope's queue;
// and a repository's runs, each run and each job with its log, where the
// API's html_url points.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/services/provisioner"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

// Deps is what the pages use.
type Deps struct {
	Options  *options.Options
	Tmpl     *template.Template
	Assets   fs.FS
	Identity identity.Provider
	// Accounts serves the access token page in standalone mode; nil when a
	// host keeps its own accounts.
	Accounts *identity.Standalone
	Actions  *actions_service.Service
	Webhooks *webhook_service.Service
	// Workflows reads runs and jobs and cancels and re-runs them.
	Workflows *workflow_service.Service
	// Pools is the built-in provisioner, for the Pools page.
	Pools *provisioner.Provisioner
	// SecretKey keys the CSRF tokens.
	SecretKey string
	// Passwords limits sign-in attempts before passwords are hashed; share
	// one with the REST API. New makes one when it is nil.
	Passwords *identity.PasswordLimits
	// SignedInUser, when set, is the host's word on who is signed in, and
	// SignInURL the host's sign-in page; the pages then have no sign-in of
	// their own. Nil means Runnerhub's sign-in form and sessions.
	SignedInUser func(r *http.Request) (*identity.User, error)
	SignInURL    string
}

// Web is the page handler set.
type Web struct {
	Deps
	sessions *identity.Sessions
	csrfKey  []byte
}

// New returns the pages' handler, to be mounted at "/". The pages have a mux
// of their own because "/{owner}/{repo}/..." would overlap the API prefixes.
func New(d Deps) http.Handler {
	key := hmac.New(sha256.New, []byte(d.SecretKey))
	key.Write([]byte("runnerhub csrf"))
	if d.Passwords == nil {
		d.Passwords = identity.NewPasswordLimits()
	}
	w := &Web{
		Deps:     d,
		sessions: &identity.Sessions{Provider: d.Identity, LifeTime: d.Options.Session.LifeTime, Now: time.Now},
		csrfKey:  key.Sum(nil),
	}
	mux := http.NewServeMux()
	mux.Handle("GET /assets/{file}", http.StripPrefix("/assets/", http.FileServerFS(d.Assets)))
	w.handle(mux, "GET /{$}", w.home)
	if d.SignedInUser == nil {
		w.handle(mux, "GET /user/login", w.signInForm)
		w.handle(mux, "POST /user/login", w.signIn)
		w.handle(mux, "POST /user/logout", w.signOut)
	}
	w.registerRunnerPages(mux)
	w.registerRunnerGroupPages(mux)
	w.registerHookPages(mux)
	w.registerAuditPages(mux)
	w.registerAccessTokenPages(mux)
	w.registerPasswordPages(mux)
	w.registerActionsPages(mux)
	w.registerQueuePages(mux)
	w.registerPoolPages(mux)
	w.handle(mux, "/", func(rw http.ResponseWriter, r *http.Request) {
		w.renderError(rw, r, http.StatusNotFound, "There is no such page.")
	})
	return mux
}

// handle wraps every page: it finds the signed-in user, keeps the CSRF
// cookie, refuses a POST whose form token does not match the session's (or,
// signed out, the browser's), and sets the security headers.
func (w *Web) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.HandleFunc(pattern, func(rw http.ResponseWriter, r *http.Request) {
		hdr := rw.Header()
		hdr.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin")

		seed := w.ensureCSRFCookie(rw, r)
		u, session := w.currentUser(r, seed)
		csrf := w.csrfToken(session, seed)
		ctx := context.WithValue(r.Context(), csrfKey{}, csrf)
		ctx = context.WithValue(ctx, signInURLKey{}, w.signInURL())
		if u != nil {
			ctx = context.WithValue(ctx, userKey{}, u)
			ctx = actions_service.WithActor(ctx, actions_service.Actor{UserID: u.ID, Name: u.Name, RemoteAddr: clientaddr.OfRequest(r)}) // for the audit log
		}
		r = r.WithContext(ctx)
		if r.Method == http.MethodPost && !validCSRF(rw, r, csrf) {
			w.renderError(rw, r, http.StatusForbidden, "The form has expired or did not come from this site. Go back, reload the page and try again.")
			return
		}
		if w.mustChangePasswordFirst(r) {
			http.Redirect(rw, r, changePasswordURL, http.StatusSeeOther)
			return
		}
		h(rw, r)
	})
}

type userKey struct{}

// signedIn returns the signed-in user, or nil.
func signedIn(r *http.Request) *identity.User {
	u, _ := r.Context().Value(userKey{}).(*identity.User)
	return u
}

// render writes a page. data gets the fields every page's header uses.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	data["User"] = signedIn(r)
	data["CSRF"] = csrfFrom(r)
	data["SignInURL"] = signInURLFrom(r)
	data["OwnSignIn"] = w.SignedInUser == nil
	data["HasAccessTokenPage"] = w.Accounts != nil
	data["HasPasswordPage"] = w.Accounts != nil && w.SignedInUser == nil
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store") // pages show tokens
	rw.WriteHeader(status)
	if err := w.Tmpl.ExecuteTemplate(rw, name, data); err != nil {
		slog.ErrorContext(r.Context(), "render page", "page", name, "err", err)
	}
}

func (w *Web) renderError(rw http.ResponseWriter, r *http.Request, status int, msg string) {
	w.render(rw, r, status, "error", map[string]any{"Title": http.StatusText(status), "Status": http.StatusText(status), "Message": msg})
}
