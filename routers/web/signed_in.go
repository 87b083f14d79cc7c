package web

import (
	"log/slog"
	"net/http"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// currentUser is who is signed in: the host's answer when it gives one,
// else the user of Runnerhub's own session cookie; nil for a visitor.
func (w *Web) currentUser(r *http.Request) *identity.User {
	if w.SignedInUser == nil {
		return w.sessionUser(r)
	}
	u, err := w.SignedInUser(r)
	if err != nil {
		slog.ErrorContext(r.Context(), "host's signed-in user", "err", err)
		return nil
	}
	return u
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
