package integration

import (
	"context"
	"net/http"
	"sort"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"
	"xorm.io/xorm"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/giteafixture"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// giteaServer makes a database as Gitea leaves it and starts Runnerhub on
// it as `runnerhub serve` with [accounts] SOURCE = gitea does: the database
// is adopted at start-up.
func giteaServer(t *testing.T, b dbtest.Backend) (*testserver.Server, *giteafixture.Gitea, func() map[string][]map[string]string) {
	o := options.Default()
	o.Database = b.NewDatabase(t)
	x, err := db.Open(o.Database)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	g := giteafixture.Create(t, x)
	snap := func() map[string][]map[string]string { return giteaAccountRows(t, x) }
	o.Accounts.Source = options.AccountsGitea
	o.Actions.LegacyLogPath = g.LogDir
	return testserver.StartWith(t, o, identity.NewGitea()), g, snap
}

func giteaAccountRows(t *testing.T, x *xorm.Engine) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for _, table := range []string{"user", "repository", "team", "team_user", "access", "collaboration", "access_token", "webhook", "hook_task"} {
		rows, err := x.QueryString("SELECT * FROM " + x.Quote(table) + " ORDER BY id")
		require.NoError(t, err, table)
		out[table] = rows
	}
	return out
}

// TestGiteaAdoption_EveryOldRunnerKeepsWorking: after the adoption, each
// runner Gitea registered polls with the uuid and token of its .runner
// file; removed ones are told so; the task a runner was running can be
// finished and its log appended where Gitea left it.
func TestGiteaAdoption_EveryOldRunnerKeepsWorking(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, g, snap := giteaServer(t, b)
			before := snap()
			ctx := context.Background()
			client := func(r *giteafixture.Runner, token string) runnerv1connect.RunnerServiceClient {
				return s.RunnerClient(r.UUID, token)
			}
			for name, r := range g.Runners {
				_, err := client(r, "0000000000000000000000000000000000000000").FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				requireCode(t, err, connect.CodeUnauthenticated, "%s with a wrong token", name)
				res, err := client(r, r.Token).Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{Version: "v0.2.11", Labels: r.Labels}))
				if r.Deleted || r.Orphan {
					requireCode(t, err, connect.CodeUnauthenticated, "%s was removed", name)
					continue
				}
				require.NoError(t, err, name)
				assert.Equal(t, r.ID, res.Msg.Runner.Id, name)
				assert.Equal(t, r.UUID, res.Msg.Runner.Uuid, name)
			}

			// The repository runner sends the tasks_version Gitea gave it and
			// gets the job waiting for its label.
			app := g.Runners["app-1"]
			fetched, err := client(app, app.Token).FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: 9}))
			require.NoError(t, err)
			require.NotNil(t, fetched.Msg.Task, "the waiting job is handed out")
			job := &actions_model.RunJob{}
			_, err = s.Engine.ID(g.WaitingJobID).Get(job)
			require.NoError(t, err)
			assert.Equal(t, actions_model.StatusRunning, job.Status)

			// The running task: more log rows after what Gitea acknowledged, then the end.
			holder := g.Runners[g.RunningTaskRunner]
			c := client(holder, holder.Token)
			rows := logRows("after-adoption-", 3)
			logRes, err := c.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: g.RunningTaskID, Index: int64(len(g.RunningLog)), Rows: rows, NoMore: true}))
			require.NoError(t, err)
			assert.EqualValues(t, len(g.RunningLog)+3, logRes.Msg.AckIndex)
			_, err = c.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
				Id: g.RunningTaskID, Result: runnerv1.Result_RESULT_SUCCESS, StoppedAt: timestamppb.New(time.Now())}}))
			require.NoError(t, err)
			lines, err := s.Actions.ReadLog(s.Ctx, g.RunningTaskID, 0, 1000)
			require.NoError(t, err)
			require.Len(t, lines, len(g.RunningLog)+3)
			assert.Equal(t, g.RunningLog[0].Content, lines[0].Content)
			assert.Equal(t, "after-adoption-c", lines[len(lines)-1].Content)
			blocked := &actions_model.RunJob{}
			_, err = s.Engine.ID(g.BlockedJobID).Get(blocked)
			require.NoError(t, err)
			assert.Equal(t, actions_model.StatusWaiting, blocked.Status, "the job that needed it is queued")

			// Finished logs come from Gitea's storage folder.
			lines, err = s.Actions.ReadLog(s.Ctx, g.FinishedTaskZst, 0, 1000)
			require.NoError(t, err)
			assert.Len(t, lines, len(g.FinishedLogZst))

			// Registration tokens: the current ones register, the replaced one is refused.
			reg := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL())
			_, err = reg.Register(ctx, connect.NewRequest(&runnerv1.RegisterRequest{Name: "new", Token: g.RegistrationTokens["acme"], Labels: []string{"x"}}))
			require.NoError(t, err)
			_, err = reg.Register(ctx, connect.NewRequest(&runnerv1.RegisterRequest{Name: "old", Token: g.OldRegistrationToken, Labels: []string{"x"}}))
			requireCode(t, err, connect.CodeUnauthenticated)

			assert.Equal(t, before, snap(), "Gitea's account and webhook tables are never written")
		})
	}
}

type runnerList struct {
	Runners []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"runners"`
	TotalCount int64 `json:"total_count"`
}

func (l runnerList) names() []string {
	var out []string
	for _, r := range l.Runners {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

// TestGiteaAdoption_AccessTokensScopeRunnersByGiteasOrgs: Gitea users call
// the REST API with their Gitea access tokens; an org owner sees the runners
// of the orgs they own and no others.
func TestGiteaAdoption_AccessTokensScopeRunnersByGiteasOrgs(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, g, _ := giteaServer(t, b)
			as := func(name string) apiCaller {
				return apiCaller{s: s, header: "token " + g.Users[name].AccessToken}
			}
			var l runnerList
			res := as("alice").do(t, "GET", "/api/v1/orgs/acme/actions/runners", nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			res.decode(t, &l)
			assert.Equal(t, []string{"acme-1", "eph-1"}, l.names(), "the live runners of the org alice owns")
			assert.Equal(t, http.StatusForbidden, as("alice").do(t, "GET", "/api/v1/orgs/other/actions/runners", nil).Status, "not another org's")
			assert.Equal(t, http.StatusForbidden, as("bob").do(t, "GET", "/api/v1/orgs/acme/actions/runners", nil).Status, "a member who is no owner")
			res = as("alice").do(t, "GET", "/api/v1/repos/acme/app/actions/runners", nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			res.decode(t, &l)
			assert.Equal(t, []string{"app-1"}, l.names(), "the repository's runner, filed under its owner")
			assert.Equal(t, http.StatusForbidden, as("carol").do(t, "GET", "/api/v1/orgs/other/actions/runners", nil).Status,
				"a token without write scopes is refused even for the org carol owns")
			res = as("root").do(t, "GET", "/api/v1/admin/actions/runners", nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			res.decode(t, &l)
			assert.Equal(t, []string{"acme-1", "alice-1", "app-1", "eph-1", "global-1", "other-1"}, l.names())
			assert.Equal(t, http.StatusForbidden, as("alice").do(t, "GET", "/api/v1/admin/actions/runners", nil).Status)
			assert.Equal(t, http.StatusUnauthorized, apiCaller{s: s, header: "token 0123456789abcdef0123456789abcdef01234567"}.do(t, "GET", "/api/v1/orgs/acme/actions/runners", nil).Status)

			var tok struct{ Token string }
			res = as("alice").do(t, "POST", "/api/v1/orgs/acme/actions/runners/registration-token", nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			res.decode(t, &tok)
			assert.Equal(t, g.RegistrationTokens["acme"], tok.Token, "the org's Gitea token is shown again")
		})
	}
}
