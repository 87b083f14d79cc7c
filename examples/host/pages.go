package main

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// The host's two pages. Runnerhub's settings pages look different: a real
// host would give them its own layout; this one only links to them.
const pageTemplates = `
{{define "home"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Example host</title></head><body>
<header>{{if .User}}Signed in as <strong>{{.User.Name}}</strong>
 · <a href="/user/settings/actions/runners">My runners</a>{{if .User.IsAdmin}} · <a href="/-/admin/actions/runners">All runners</a>{{end}}
 <form method="post" action="/logout" style="display:inline"><button>Sign out</button></form>
{{else}}<a href="/login">Sign in</a>{{end}}</header>
{{if .Run}}<p role="status">Queued run {{.Run}}.</p>{{end}}
<h1>Repositories</h1>
<ul>{{range .Repos}}
<li>{{.FullName}}{{if .IsPrivate}} (private){{end}}
{{if .CanPush}}<form method="post" action="{{.PushURL}}" style="display:inline"><button>Simulate a push</button></form>{{end}}
{{if .CanManage}}<a href="{{.RunnersURL}}">Runners</a>{{end}}</li>
{{else}}<li>None you can see.</li>{{end}}</ul>
</body></html>{{end}}

{{define "login"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Example host</title></head><body>
<h1>Sign in</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="redirect_to" value="{{.RedirectTo}}">
<label>User name or e-mail <input name="user_name" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button>Sign in</button>
</form>
</body></html>{{end}}
`

func parsePages() (*template.Template, error) { return template.New("pages").Parse(pageTemplates) }

// repoRow is one repository on the home page.
type repoRow struct {
	FullName, PushURL, RunnersURL string
	IsPrivate, CanPush, CanManage bool
}

// homeData lists the repositories the viewer may see, with what they may do.
func (h *Host) homeData(r *http.Request, u *identity.User) (map[string]any, error) {
	ctx := r.Context()
	repos, owners, err := h.accounts.listRepos(ctx)
	if err != nil {
		return nil, err
	}
	var uid int64
	if u != nil {
		uid = u.ID
	}
	var rows []repoRow
	for _, repo := range repos {
		owner := owners[repo.OwnerID]
		if owner == nil {
			continue
		}
		if ok, err := h.accounts.CanRead(ctx, repo, uid); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		base := "/" + url.PathEscape(owner.Name) + "/" + url.PathEscape(repo.Name)
		row := repoRow{FullName: owner.Name + "/" + repo.Name, PushURL: base + "/push",
			RunnersURL: base + "/settings/actions/runners", IsPrivate: repo.IsPrivate}
		if u != nil {
			if row.CanPush, err = h.accounts.CanWrite(ctx, repo, uid); err != nil {
				return nil, err
			}
			sc := identity.RepoScope(&identity.Repo{ID: repo.ID, Name: repo.Name, Owner: toOwner(owner)})
			if row.CanManage, err = identity.CanManage(ctx, h.accounts, u, sc); err != nil {
				return nil, err
			}
		}
		rows = append(rows, row)
	}
	data := map[string]any{"User": u, "Repos": rows}
	if run, err := strconv.ParseInt(r.URL.Query().Get("run"), 10, 64); err == nil {
		data["Run"] = run
	}
	return data, nil
}

func (h *Host) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := h.pages.ExecuteTemplate(w, name, data); err != nil {
		h.logger.Error("render page", "page", name, "err", err)
	}
}
