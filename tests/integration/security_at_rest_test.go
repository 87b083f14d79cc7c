package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestSecurity_NoSecretAtRest handles every kind of secret Runnerhub hands
// out or takes in — a password, an access token, a web session, the
// reusable and a named registration token, a runner token, a runtime token
// and a webhook secret — and then reads every row of every table: none of
// them is stored in clear. (Hashes are compared in constant time:
// modules/secret TestMatches; the reusable token and webhook secrets are
// kept sealed, see TestDefaultRegistrationToken_ReusableUntilReset and
// TestHooks_ValidateAndKeepTheSecretSealed.)
func TestSecurity_NoSecretAtRest(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		const password = "correct-horse-battery-staple"
		u, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: password, IsAdmin: true})
		require.NoError(t, err)
		access, err := s.App.Accounts().CreateAccessToken(s.Ctx, u.ID, "ci")
		require.NoError(t, err)
		admin := apiCaller{s: s, header: "token " + access}
		_, err = s.App.Accounts().CreateOrg(s.Ctx, u, "acme")
		require.NoError(t, err)

		res := admin.do(t, http.MethodPost, "/api/v1/orgs/acme/actions/runners/registration-token", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		reusable := jsonField(t, string(res.Body), "token")
		res = admin.do(t, http.MethodPost, "/api/v1/orgs/acme/actions/runners/registration-tokens", map[string]any{"name": "pool"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		named := jsonField(t, string(res.Body), "token")
		const hookSecret = "webhook-signing-secret-4711"
		res = admin.do(t, http.MethodPost, "/api/v1/orgs/acme/hooks", map[string]any{
			"type": "gitea", "events": []string{"workflow_job"}, "active": true,
			"config": map[string]string{"url": "https://scaler.example.com/hook", "content_type": "json", "secret": hookSecret},
		})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)

		repo := s.CreateRepo(t, "octo", "app")
		r := s.Register(t, named, "worker", []string{"ubuntu-latest"}, false)
		instance := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), "instance", []string{"ubuntu-latest"}, false)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, instance)
		require.NotNil(t, task)
		runtime := task.Context.Fields["gitea_runtime_token"].GetStringValue()

		web := newWebClient(t, s)
		require.Equal(t, http.StatusSeeOther, web.signIn("root", password))
		base, err := url.Parse(s.URL)
		require.NoError(t, err)
		secrets := map[string]string{
			"password": password, "access token": access, "reusable registration token": reusable,
			"named registration token": named, "runner token": r.Token, "runtime token": runtime, "webhook secret": hookSecret,
		}
		for _, c := range web.http.Jar.Cookies(base) {
			if strings.Contains(strings.ToLower(c.Name), "session") {
				secrets["web session "+c.Name] = c.Value
			}
		}
		require.Len(t, secrets, 8, "a session cookie was set")

		dump := dumpDatabase(t, s)
		for what, v := range secrets {
			require.GreaterOrEqual(t, len(v), 16, what)
			assert.False(t, strings.Contains(dump, v), "the %s is stored in clear", what)
		}
		assert.Contains(t, dump, "worker", "the dump holds the data")
	})
}

// dumpDatabase reads every row of every table as text.
func dumpDatabase(t *testing.T, s *testserver.Server) string {
	t.Helper()
	tables, err := s.Engine.DBMetas()
	require.NoError(t, err)
	var b strings.Builder
	for _, tb := range tables {
		rows, err := s.Engine.QueryString("SELECT * FROM " + s.Engine.Quote(tb.Name))
		require.NoError(t, err, tb.Name)
		for _, row := range rows {
			fmt.Fprintln(&b, tb.Name, row)
		}
	}
	return b.String()
}
