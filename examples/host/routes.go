package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// routes mounts Runnerhub's handlers beside the host's own.
//
// Runnerhub's handlers serve their paths in full, so each is mounted at its
// prefix unchanged. Gitea's repository paths ("/{owner}/{repo}/...") overlap
// those prefixes ("/api/v1/..." is also owner "api", repo "v1"), which
// net/http's ServeMux refuses to register side by side, so they live on a
// second mux that the first falls back to. Runnerhub's settings pages (at
// /-/admin/, /org/{org}/settings/, /user/settings/,
// /{owner}/{repo}/settings/ and /assets/) are that mux's fallback in turn.
func (h *Host) routes() http.Handler {
	// The host's own forms are protected from cross-site posts by the
	// browser's Sec-Fetch-Site/Origin headers; Runnerhub's pages have their
	// own CSRF tokens.
	cop := http.NewCrossOriginProtection()

	top := http.NewServeMux()
	top.Handle(runnerhub.RunnerPrefix+"/", h.srv.RunnerHandler())
	top.Handle(runnerhub.APIPrefix+"/", h.srv.APIHandler())
	top.Handle("GET /metrics", h.srv.MetricsHandler())
	top.HandleFunc("GET /{$}", h.home)
	top.HandleFunc("GET /login", h.loginForm)
	top.Handle("POST /login", cop.Handler(http.HandlerFunc(h.login)))
	top.Handle("POST /logout", cop.Handler(http.HandlerFunc(h.logout)))

	repos := http.NewServeMux()
	repos.Handle("POST /{owner}/{repo}/push", cop.Handler(http.HandlerFunc(h.push)))
	repos.Handle("/", h.srv.WebHandler())
	top.Handle("/", repos)
	return top
}

// maxFormBytes bounds the host's own form posts.
const maxFormBytes = 64 << 10

func (h *Host) home(w http.ResponseWriter, r *http.Request) {
	u, err := h.signedInUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.homeData(r, u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "home", data)
}

func (h *Host) loginForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "login", map[string]any{"RedirectTo": localPath(r.URL.Query().Get("redirect_to"))})
}

func (h *Host) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	redirectTo := localPath(r.PostForm.Get("redirect_to"))
	u, err := h.accounts.UserByPassword(r.Context(), r.PostForm.Get("user_name"), r.PostForm.Get("password"))
	if errors.Is(err, errs.Unauthenticated) {
		h.render(w, http.StatusUnauthorized, "login", map[string]any{"RedirectTo": redirectTo, "Error": "Wrong user name or password."})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	token, err := h.sessions.create(u.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setSessionCookie(w, token, int(h.sessions.lifetime.Seconds()))
	http.Redirect(w, r, redirectTo, http.StatusSeeOther)
}

func (h *Host) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		h.sessions.delete(c.Value)
	}
	h.setSessionCookie(w, "", -1)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// push simulates a push to a repository: the host queues a run of the
// workflow file the repository carries, as a real host does on its push
// event. Form fields "ref" (default refs/heads/main) and "sha" (default a
// made-up commit) describe the push.
func (h *Host) push(w http.ResponseWriter, r *http.Request) {
	pusher, err := h.requestUser(r)
	if err == nil && pusher == nil {
		err = errs.Unauthenticated
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	owner, repo, err := h.accounts.repoByNames(r.Context(), r.PathValue("owner"), r.PathValue("repo"))
	if err == nil {
		err = h.checkWrite(r, repo, pusher)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if repo.Workflow == "" {
		http.Error(w, "the repository has no workflow", http.StatusUnprocessableEntity)
		return
	}
	ref, sha := r.PostForm.Get("ref"), r.PostForm.Get("sha")
	if ref == "" {
		ref = "refs/heads/main"
	}
	if sha == "" {
		if sha, err = randomHex(20); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	run, jobs, err := h.srv.QueueRun(r.Context(), runnerhub.RunRequest{
		OwnerID: owner.ID, RepoID: repo.ID,
		Workflow: []byte(repo.Workflow), WorkflowID: repo.WorkflowFile,
		Ref: ref, CommitSHA: sha, Event: "push", TriggerUserID: pusher.ID,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Header.Get("Authorization") == "" { // a browser's form: back to the list
		http.Redirect(w, r, "/?run="+strconv.FormatInt(run.ID, 10), http.StatusSeeOther)
		return
	}
	out := pushResult{RunID: run.ID}
	for _, j := range jobs {
		out.JobIDs = append(out.JobIDs, j.ID)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(out)
}

// pushResult answers a scripted push.
type pushResult struct {
	RunID  int64   `json:"run_id"`
	JobIDs []int64 `json:"job_ids"`
}

// checkWrite lets a writer push; others learn nothing of a private
// repository's existence.
func (h *Host) checkWrite(r *http.Request, repo *Repository, u *identity.User) error {
	ok, err := h.accounts.CanWrite(r.Context(), repo, u.ID)
	if err != nil || ok {
		return err
	}
	if repo.IsPrivate {
		return errs.NotFound
	}
	return errs.PermissionDenied
}

// fail answers an error by its kind.
func (h *Host) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, errs.Unauthenticated):
		status = http.StatusUnauthorized
	case errors.Is(err, errs.PermissionDenied):
		status = http.StatusForbidden
	case errors.Is(err, errs.NotFound):
		status = http.StatusNotFound
	case errors.Is(err, errs.InvalidArgument):
		status = http.StatusUnprocessableEntity
	default:
		h.logger.ErrorContext(r.Context(), "host request", "path", r.URL.Path, "err", err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	http.Error(w, err.Error(), status)
}

// localPath keeps a redirect on this site: a path, never "//host" or a URL.
func localPath(to string) string {
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(to, "/") ||
		strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		return "/"
	}
	return to
}
