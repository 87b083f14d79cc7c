package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// sessionCookie is the host's own sign-in cookie; Runnerhub's pages learn
// who is signed in through Config.SignedInUser, never from this cookie.
const sessionCookie = "host_session"

// sessions keeps sign-ins in the memory of one Host value: enough for an
// example with one process (a restart signs everyone out). They are keyed
// by the token's hash, so the map holds nothing a browser could present.
type sessions struct {
	lifetime time.Duration
	now      func() time.Time

	mu     sync.Mutex
	byHash map[string]session
}

type session struct {
	uid     int64
	expires time.Time
}

func newSessions(lifetime time.Duration) *sessions {
	return &sessions{lifetime: lifetime, now: time.Now, byHash: map[string]session{}}
}

// create starts a session for uid and returns the token the cookie carries.
func (s *sessions) create(uid int64) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, ss := range s.byHash { // sweeping here keeps the map small without a background job
		if !now.Before(ss.expires) {
			delete(s.byHash, h)
		}
	}
	s.byHash[hashToken(token)] = session{uid: uid, expires: now.Add(s.lifetime)}
	return token, nil
}

// uid returns the user of a live session.
func (s *sessions) uid(token string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byHash[hashToken(token)]
	if !ok || !s.now().Before(ss.expires) {
		return 0, false
	}
	return ss.uid, true
}

func (s *sessions) delete(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byHash, hashToken(token))
}

// signedInUser is who the request's session cookie belongs to, nil for a
// visitor. It is the host's answer to Runnerhub's Config.SignedInUser too.
func (h *Host) signedInUser(r *http.Request) (*identity.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil // no cookie: a visitor
	}
	uid, ok := h.sessions.uid(c.Value)
	if !ok {
		return nil, nil
	}
	u, err := h.accounts.GetUserByID(r.Context(), uid)
	if errors.Is(err, errs.NotFound) {
		return nil, nil // removed since signing in
	}
	return u, err
}

// requestUser is the caller of one of the host's own routes: the session
// cookie of a browser, or "Authorization: token <t>" of a script.
func (h *Host) requestUser(r *http.Request) (*identity.User, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, _ := strings.Cut(auth, " ")
		if s := strings.ToLower(scheme); s != "token" && s != "bearer" {
			return nil, fmt.Errorf("%w: unsupported authorization scheme %q", errs.Unauthenticated, scheme)
		}
		return h.accounts.UserByAccessToken(r.Context(), strings.TrimSpace(token))
	}
	return h.signedInUser(r)
}

func (h *Host) setSessionCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secureCookie, SameSite: http.SameSiteLaxMode,
	})
}
