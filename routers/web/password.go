package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// changePasswordURL is where a signed-in user changes their password, and
// where a user who must change it is sent before anything else.
const changePasswordURL = "/user/settings/change_password"

// registerPasswordPages serves the page with Runnerhub's own sign-in and
// standalone accounts; a host changes passwords itself.
func (w *Web) registerPasswordPages(mux *http.ServeMux) {
	if w.Accounts == nil || w.SignedInUser != nil {
		return
	}
	w.handle(mux, "GET "+changePasswordURL, w.changePasswordPage)
	w.handle(mux, "POST "+changePasswordURL, w.changePassword)
}

// mustChangePasswordFirst reports whether the request is to be sent to the
// change-password page instead: the signed-in user must change their
// password, and the request is neither that page nor signing out.
func (w *Web) mustChangePasswordFirst(r *http.Request) bool {
	u := signedIn(r)
	if u == nil || !u.MustChangePassword || w.Accounts == nil || w.SignedInUser != nil {
		return false
	}
	return r.URL.Path != changePasswordURL && !(r.Method == http.MethodPost && r.URL.Path == "/user/logout")
}

func (w *Web) changePasswordPage(rw http.ResponseWriter, r *http.Request) {
	if !requireSignIn(rw, r) {
		return
	}
	extra := map[string]any{}
	if r.URL.Query().Get("done") == "changed" {
		extra["Flash"] = "Your password was changed. Every other session of yours was signed out."
	}
	w.renderChangePassword(rw, r, http.StatusOK, extra)
}

func (w *Web) renderChangePassword(rw http.ResponseWriter, r *http.Request, status int, extra map[string]any) {
	data := map[string]any{"Title": "Change password", "Forced": signedIn(r).MustChangePassword}
	maps.Copy(data, extra)
	w.render(rw, r, status, "change_password", data)
}

// changePassword checks the current password (under the sign-in limits, so
// a stolen session cannot guess it), sets the new one, which ends every
// session of the user, and opens a new session for this browser.
func (w *Web) changePassword(rw http.ResponseWriter, r *http.Request) {
	if !requireSignIn(rw, r) {
		return
	}
	u := signedIn(r)
	current, password := r.PostFormValue("old_password"), r.PostFormValue("password")
	again := func(status int, msg string) {
		w.renderChangePassword(rw, r, status, map[string]any{"PasswordError": msg})
	}
	switch {
	case password != r.PostFormValue("retype"):
		again(http.StatusUnprocessableEntity, "The new passwords do not match.")
		return
	case password == current:
		again(http.StatusUnprocessableEntity, "The new password must differ from the current one.")
		return
	}
	checked, err := w.Passwords.UserByPassword(r.Context(), w.Identity, clientaddr.OfRequest(r), u.Name, current)
	var tooMany *identity.TooManyAttempts
	switch {
	case errors.As(err, &tooMany):
		rw.Header().Set("Retry-After", fmt.Sprint(tooMany.Seconds()))
		again(http.StatusTooManyRequests, fmt.Sprintf("Too many wrong passwords from your address. Try again in %d seconds.", tooMany.Seconds()))
		return
	case errors.Is(err, errs.Unauthenticated) || (err == nil && checked.ID != u.ID):
		again(http.StatusUnprocessableEntity, "The current password is wrong.")
		return
	case err != nil:
		w.renderServiceError(rw, r, err)
		return
	}
	changed, err := w.Accounts.ChangePassword(r.Context(), u.Name, password, false)
	if errors.Is(err, errs.InvalidArgument) {
		again(http.StatusUnprocessableEntity, userMessage(err))
		return
	}
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	token, err := w.sessions.Create(r.Context(), changed)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.SetCookie(rw, w.cookie(sessionCookie, token, int(w.Options.Session.LifeTime.Seconds())))
	http.Redirect(rw, r, changePasswordURL+"?done=changed", http.StatusSeeOther)
}
