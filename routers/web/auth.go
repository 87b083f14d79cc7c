package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/services/identity"
)

const (
	sessionCookie = "runnerhub_session"
	csrfCookie    = "runnerhub_csrf"
)

type csrfKey struct{}

func csrfFrom(r *http.Request) string {
	s, _ := r.Context().Value(csrfKey{}).(string)
	return s
}

// ensureCSRFCookie returns the browser's CSRF seed, setting a new one when
// there is none. It binds the forms of a visitor who is not signed in (the
// sign-in form); the forms of a signed-in user are bound to the session.
func (w *Web) ensureCSRFCookie(rw http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 40 {
		return c.Value
	}
	seed := secret.NewToken()
	http.SetCookie(rw, w.cookie(csrfCookie, seed, 0))
	return seed
}

// csrfToken is what forms carry: an HMAC under the server's key of the
// session token when signed in, else of the browser's seed. Another site can
// neither read nor compute it, and a token of one session is worthless in
// another, even in the same browser.
func (w *Web) csrfToken(sessionToken, seed string) string {
	m := hmac.New(sha256.New, w.csrfKey)
	if sessionToken != "" {
		m.Write([]byte("session\x00" + sessionToken))
	} else {
		m.Write([]byte("visitor\x00" + seed))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// validCSRF checks the form's token against the one expected, in constant time.
func validCSRF(rw http.ResponseWriter, r *http.Request, want string) bool {
	r.Body = http.MaxBytesReader(rw, r.Body, 1<<20) // the forms are small
	got := r.PostFormValue("_csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

func (w *Web) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: w.Options.Session.CookieSecure, SameSite: http.SameSiteLaxMode,
	}
}

// sessionUser is the user of the request's session cookie and the
// session's token, or nil and "".
func (w *Web) sessionUser(r *http.Request) (*identity.User, string) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, ""
	}
	u, err := w.sessions.User(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, errs.Unauthenticated) {
			slog.ErrorContext(r.Context(), "read session", "err", err)
		}
		return nil, ""
	}
	return u, c.Value
}

func (w *Web) signInForm(rw http.ResponseWriter, r *http.Request) {
	if signedIn(r) != nil {
		http.Redirect(rw, r, safeRedirect(r.URL.Query().Get("redirect_to")), http.StatusSeeOther)
		return
	}
	w.render(rw, r, http.StatusOK, "login", map[string]any{"Title": "Sign in", "RedirectTo": safeRedirect(r.URL.Query().Get("redirect_to"))})
}

func (w *Web) signIn(rw http.ResponseWriter, r *http.Request) {
	name, password := strings.TrimSpace(r.PostFormValue("user_name")), r.PostFormValue("password")
	redirectTo := safeRedirect(r.PostFormValue("redirect_to"))
	again := func(status int, msg string) {
		w.render(rw, r, status, "login", map[string]any{"Title": "Sign in", "Error": msg, "UserName": name, "RedirectTo": redirectTo})
	}
	u, err := w.Passwords.UserByPassword(r.Context(), w.Identity, clientaddr.OfRequest(r), name, password)
	var tooMany *identity.TooManyAttempts
	if errors.As(err, &tooMany) {
		rw.Header().Set("Retry-After", fmt.Sprint(tooMany.Seconds()))
		again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins from your address. Try again in %d seconds.", tooMany.Seconds()))
		return
	}
	if errors.Is(err, errs.Unauthenticated) {
		again(http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	if err != nil {
		slog.ErrorContext(r.Context(), "sign in", "err", err)
		again(http.StatusInternalServerError, "Signing in failed; try again.")
		return
	}
	token, err := w.sessions.Create(r.Context(), u)
	if err != nil {
		slog.ErrorContext(r.Context(), "create session", "err", err)
		again(http.StatusInternalServerError, "Signing in failed; try again.")
		return
	}
	http.SetCookie(rw, w.cookie(sessionCookie, token, int(w.Options.Session.LifeTime.Seconds())))
	http.Redirect(rw, r, redirectTo, http.StatusSeeOther)
}

func (w *Web) signOut(rw http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := w.sessions.Delete(r.Context(), c.Value); err != nil {
			slog.ErrorContext(r.Context(), "end session", "err", err)
		}
	}
	http.SetCookie(rw, w.cookie(sessionCookie, "", -1))
	http.Redirect(rw, r, "/", http.StatusSeeOther)
}

// requireSignIn sends an anonymous visitor to the sign-in page and back.
func requireSignIn(rw http.ResponseWriter, r *http.Request) bool {
	if signedIn(r) != nil {
		return true
	}
	http.Redirect(rw, r, signInURLFrom(r)+"?redirect_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}
