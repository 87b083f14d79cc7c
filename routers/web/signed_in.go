package web

import (
	"log/slog"
	"net/http"
	"strconv"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// currentUser is who is signed in, or nil for a visitor, and what the
// forms' CSRF tokens are bound to: Runnerhub's own session token, or, when
// the host tells who is signed in, that user together with the browser's seed.
func (w *Web) currentUser(r *http.Request, seed string) (*identity.User, string) {
	if w.SignedInUser == nil {
		return w.sessionUser(r)
	}
	u, err := w.SignedInUser(r)
	if err != nil {
		slog.ErrorContext(r.Context(), "host's signed-in user", "err", err)
		return nil, ""
	}
	if u == nil {
		return nil, ""
	}
	return u, "host\x00" + strconv.FormatInt(u.ID, 10) + "\x00" + seed
}

// signInURL is where a visitor goes to sign in.
func (w *Web) signInURL() string {
	if w.SignedInUser != nil && w.SignInURL != "" {
		return w.SignInURL
	}
	return "/user/login"
}

type signInURLKey struct{}

func signInURLFrom(r *http.Request) string {
	if u, ok := r.Context().Value(signInURLKey{}).(string); ok {
		return u
	}
	return "/user/login"
}
