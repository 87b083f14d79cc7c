package convert

import (
	"encoding/base64"
	"strconv"
)

// Organization is the organization a webhook event is about, with Gitea's
// fields (name, full_name, username, avatar_url) and GitHub's (login,
// node_id and the API links its schema requires). GARM's Gitea mode picks
// an organization's pool by name (cloudbase/garm params/github.go
// WorkflowJob.GetOrgName), its GitHub mode by login.
type Organization struct {
	ID               int64  `json:"id"`
	Login            string `json:"login"`
	Name             string `json:"name"`
	FullName         string `json:"full_name"`
	UserName         string `json:"username"`
	NodeID           string `json:"node_id"`
	AvatarURL        string `json:"avatar_url"`
	Description      string `json:"description"`
	URL              string `json:"url"`
	HTMLURL          string `json:"html_url"`
	ReposURL         string `json:"repos_url"`
	EventsURL        string `json:"events_url"`
	HooksURL         string `json:"hooks_url"`
	IssuesURL        string `json:"issues_url"`
	MembersURL       string `json:"members_url"`
	PublicMembersURL string `json:"public_members_url"`
}

// Organization returns the view of an organization that owns a repository.
// Runnerhub keeps no display name, so full_name is the name.
func (c *Converter) Organization(o *User) *Organization {
	api := c.rootURL + "api/v1/orgs/" + o.Login
	return &Organization{
		ID: o.ID, Login: o.Login, Name: o.Login, FullName: o.Login, UserName: o.Login,
		NodeID:    NodeID("Organization", o.ID),
		AvatarURL: c.rootURL + "user/avatar/" + o.Login + "/-1", // Gitea's avatar-by-name route
		URL:       api, HTMLURL: o.HTMLURL, ReposURL: api + "/repos",
		EventsURL: api + "/events", HooksURL: api + "/hooks", IssuesURL: api + "/issues",
		MembersURL: api + "/members{/member}", PublicMembersURL: api + "/public_members{/member}",
	}
}

// NodeID is a GitHub-style global node id for an object of a kind: the
// base64 of "<len(kind)>:<kind><id>", the legacy form GitHub still accepts.
// It is stable for an object and distinct across kinds and ids.
func NodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(len(kind)) + ":" + kind + strconv.FormatInt(id, 10)))
}
