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

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/ratelimit"
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
// there is none. Forms carry an HMAC of the seed, which another site can
// neither read nor compute.
func (w *Web) ensureCSRFCookie(rw http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 40 {
		return c.Value
	}
	seed := secret.NewToken()
	http.SetCookie(rw, w.cookie(csrfCookie, seed, 0))
	return seed
}

func (w *Web) csrfToken(seed string) string {
	m := hmac.New(sha256.New, w.csrfKey)
	m.Write([]byte(seed))
	return hex.EncodeToString(m.Sum(nil))
}

// validCSRF checks the form's token against the cookie's seed, in constant time.
func (w *Web) validCSRF(rw http.ResponseWriter, r *http.Request, seed string) bool {
	r.Body = http.MaxBytesReader(rw, r.Body, 1<<20) // the forms are small
	got := r.PostFormValue("_csrf")
	want := w.csrfToken(seed)
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

func (w *Web) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: w.Options.Session.CookieSecure, SameSite: http.SameSiteLaxMode,
	}
}

// sessionUser is the user of the request's session cookie, or nil.
func (w *Web) sessionUser(r *http.Request) *identity.User {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	u, err := w.sessions.User(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, errs.Unauthenticated) {
			slog.ErrorContext(r.Context(), "read session", "err", err)
		}
		return nil
	}
	return u
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
	addr := ratelimit.AddrKey(r.RemoteAddr)
	if ok, wait := w.signInLimiter.Allow(addr); !ok {
		rw.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())))
		again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins from your address. Try again in %d seconds.", int(wait.Seconds())))
		return
	}
	u, err := w.Identity.UserByPassword(r.Context(), name, password)
	if errors.Is(err, errs.Unauthenticated) {
		again(http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	w.signInLimiter.Return(addr) // only failures count
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
	http.Redirect(rw, r, "/user/login?redirect_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}
