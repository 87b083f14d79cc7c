package integration

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	runnerhubv1 "code.runnerhub.dev/runnerhub/proto/runnerhub/runner/v1"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

type auditList struct {
	Events []struct {
		ID         int64
		Action     string
		TargetType string `json:"target_type"`
		TargetID   int64  `json:"target_id"`
		TargetName string `json:"target_name"`
		Actor      string
		ActorID    int64     `json:"actor_id"`
		RemoteAddr string    `json:"remote_address"`
		OwnerID    int64     `json:"owner_id"`
		CreatedAt  time.Time `json:"created_at"`
	}
	TotalCount int64 `json:"total_count"`
}

// TestAudit_TokensAndRunnersPerScope makes every change the audit log
// records — through the REST API, the runner protocol and the maintenance
// loop — and reads the log back per scope: who, what, when and from where,
// newest first, and nothing of another scope.
func TestAudit_TokensAndRunnersPerScope(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		owner, ownerAPI := newUser(t, s, "olivia", false)
		acme, err := s.App.Accounts().CreateOrg(s.Ctx, owner, "acme")
		require.NoError(t, err)
		_, admin := newUser(t, s, "root", true)
		stranger, strangerAPI := newUser(t, s, "sam", false)
		_, err = s.App.Accounts().CreateOrg(s.Ctx, stranger, "other")
		require.NoError(t, err)
		otherReg := strangerAPI.do(t, http.MethodPost, "/api/v1/orgs/other/actions/runners/registration-token", nil)
		require.Equal(t, http.StatusOK, otherReg.Status, "%s", otherReg.Body)
		start := time.Now().Add(-time.Second)

		base := "/api/v1/orgs/acme/actions/runners"
		res := ownerAPI.do(t, http.MethodPost, base+"/registration-tokens", map[string]any{"name": "ci-pool", "max_uses": 5})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var named struct {
			ID    int64
			Token string
		}
		res.decode(t, &named)
		tokenPath := fmt.Sprintf("%s/registration-tokens/%d", base, named.ID)
		require.Equal(t, http.StatusOK, ownerAPI.do(t, http.MethodPatch, tokenPath, map[string]any{"disabled": true}).Status)
		require.Equal(t, http.StatusOK, ownerAPI.do(t, http.MethodPatch, tokenPath, map[string]any{"disabled": false}).Status)

		r := s.Register(t, named.Token, "builder", []string{"ubuntu-latest"}, false)
		runnerPath := fmt.Sprintf("%s/%d", base, r.ID)
		require.Equal(t, http.StatusOK, ownerAPI.do(t, http.MethodPatch, runnerPath, map[string]any{"disabled": true}).Status)
		require.Equal(t, http.StatusOK, ownerAPI.do(t, http.MethodPatch, runnerPath, map[string]any{"disabled": false}).Status)
		require.Equal(t, http.StatusNoContent, ownerAPI.do(t, http.MethodDelete, runnerPath, nil).Status)

		leaving := s.Register(t, named.Token, "leaving", []string{"ubuntu-latest"}, false)
		_, err = s.DeregisterClient(leaving.UUID, leaving.Token).CallUnary(context.Background(), connect.NewRequest(&runnerhubv1.DeregisterRequest{}))
		require.NoError(t, err)

		repo := testserver.Repo{OwnerID: acme.ID, Owner: "acme"}
		repoRow, err := s.App.Accounts().CreateRepo(s.Ctx, owner, acme, "app")
		require.NoError(t, err)
		repo.RepoID, repo.Name = repoRow.ID, "app"
		eph := s.Register(t, named.Token, "one-shot", []string{"ubuntu-latest"}, true)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, eph)
		require.NotNil(t, task)
		finish(t, eph, task.Id, runnerv1.Result_RESULT_SUCCESS)

		idle := s.Register(t, named.Token, "never-used", []string{"ubuntu-latest"}, true)
		s.Actions.SetClock(func() time.Time { return time.Now().Add(25 * time.Hour) })
		_, err = s.Actions.RunMaintenance(s.Ctx)
		s.Actions.SetClock(time.Now)
		require.NoError(t, err)

		require.Equal(t, http.StatusOK, ownerAPI.do(t, http.MethodPost, base+"/registration-token/reset", nil).Status)
		require.Equal(t, http.StatusNoContent, ownerAPI.do(t, http.MethodDelete, tokenPath, nil).Status)

		res = ownerAPI.do(t, http.MethodGet, "/api/v1/orgs/acme/actions/audit?limit=50", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var log auditList
		res.decode(t, &log)
		var got []string
		for i := len(log.Events) - 1; i >= 0; i-- { // oldest first, to read along
			e := log.Events[i]
			got = append(got, e.Actor+" "+e.Action+" "+e.TargetName)
			assert.Equal(t, acme.ID, e.OwnerID)
			assert.False(t, e.CreatedAt.Before(start) || e.CreatedAt.After(time.Now().Add(26*time.Hour)), "%s at %s", e.Action, e.CreatedAt)
			switch {
			case e.Actor == "olivia":
				assert.Equal(t, owner.ID, e.ActorID)
				assert.Equal(t, "127.0.0.1", e.RemoteAddr, "from where")
			case strings.HasPrefix(e.Actor, "runner"):
				assert.Zero(t, e.ActorID)
				assert.Equal(t, "127.0.0.1", e.RemoteAddr, "from where")
			default:
				assert.Empty(t, e.RemoteAddr, "the server's own work comes from nowhere")
			}
		}
		assert.Equal(t, []string{
			"olivia registration_token.created ci-pool",
			"olivia registration_token.disabled ci-pool",
			"olivia registration_token.enabled ci-pool",
			"runner runner.registered builder",
			"olivia runner.disabled builder",
			"olivia runner.enabled builder",
			"olivia runner.deleted builder",
			"runner runner.registered leaving",
			"runner leaving runner.deregistered leaving",
			"runner runner.registered one-shot",
			"runner one-shot runner.retired one-shot",
			"runner runner.registered never-used",
			"maintenance runner.deleted never-used",
			"olivia registration_token.reset default",
			"olivia registration_token.deleted ci-pool",
		}, got)
		assert.Equal(t, int64(len(got)), log.TotalCount)
		assert.Equal(t, fmt.Sprint(log.TotalCount), res.Header.Get("X-Total-Count"))
		_, err = s.Actions.AuthenticateRunner(s.Ctx, idle.UUID, idle.Token, actions_service.CallOther)
		assert.Error(t, err, "the runner the maintenance loop removed is gone")

		res = strangerAPI.do(t, http.MethodGet, "/api/v1/orgs/acme/actions/audit", nil)
		assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, res.Status, "another org's owner reads nothing")
		res = strangerAPI.do(t, http.MethodGet, "/api/v1/orgs/other/actions/audit", nil)
		require.Equal(t, http.StatusOK, res.Status)
		var other auditList
		res.decode(t, &other)
		require.Len(t, other.Events, 1, "a scope sees its own events only")
		assert.Equal(t, "sam registration_token.created default", other.Events[0].Actor+" "+other.Events[0].Action+" "+other.Events[0].TargetName)

		res = admin.do(t, http.MethodGet, "/api/v1/admin/actions/audit?limit=50", nil)
		require.Equal(t, http.StatusOK, res.Status)
		var all auditList
		res.decode(t, &all)
		assert.Equal(t, log.TotalCount+1, all.TotalCount, "the admin sees every scope")
		res = admin.do(t, http.MethodGet, "/api/v1/admin/actions/audit?limit=2&page=2", nil)
		require.Equal(t, http.StatusOK, res.Status)
		var page auditList
		res.decode(t, &page)
		require.Len(t, page.Events, 2, "paged")
		assert.Equal(t, all.Events[2].ID, page.Events[0].ID)
	})
}

// TestAudit_PageShowsTheLog signs in as the org owner and reads the
// audit page: entries escaped like every runner name, others' scopes closed.
func TestAudit_PageShowsTheLog(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	owner, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "olivia", Password: "olivia-password"})
	require.NoError(t, err)
	acme, err := s.App.Accounts().CreateOrg(s.Ctx, owner, "acme")
	require.NoError(t, err)
	_, err = s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "sam", Password: "sam-password"})
	require.NoError(t, err)
	s.Register(t, s.RegistrationToken(t, identity.ScopeOf(acme.ID, 0)), `<img src=x onerror=alert(1)>`, []string{"x"}, false)

	c := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, c.signIn("olivia", "olivia-password"))
	status, _, body := c.get("/org/acme/settings/actions/runners")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `href="/org/acme/settings/actions/audit"`, "the Runners page links the log")
	status, _, body = c.get("/org/acme/settings/actions/audit")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "runner.registered")
	assert.Contains(t, body, "registration_token.created")
	assert.Contains(t, body, "&lt;img src=x onerror=alert(1)&gt;")
	assert.NotContains(t, body, "<img src=x")

	sam := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, sam.signIn("sam", "sam-password"))
	status, _, _ = sam.get("/org/acme/settings/actions/audit")
	assert.Equal(t, http.StatusForbidden, status)
}
