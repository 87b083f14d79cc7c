package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// hostileTexts are runner names (and label values) that try to break out of
// HTML, templates, terminals and SQL, or to hide what they are.
var hostileTexts = []struct{ name, text, escaped string }{
	{"script", `<script>alert(1)</script>`, `&lt;script&gt;alert(1)&lt;/script&gt;`},
	{"attribute", `"><img src=x onerror=alert(1)>`, `&#34;&gt;&lt;img src=x onerror=alert(1)&gt;`},
	{"template", `{{.Secret}}`, `{{.Secret}}`},
	{"sql", `x'); DROP TABLE action_runner; --`, `x&#39;); DROP TABLE action_runner; --`},
	{"terminal", "red\x1b[31m\x07bell\x7fdel\u0085", `red\x1b[31m\x07bell\x7fdel\x85`},
	{"bidi", "innocent\u202egnp.exe", `innocent\u202egnp.exe`},
}

// TestHostile_RunnerTextStoredExactlyAndShownEscaped registers runners whose
// names and labels carry HTML, template syntax, SQL and control characters.
// They are stored exactly as sent, the API returns them exactly (as JSON
// that is also safe to drop into a page), and the web pages show them as
// text: markup escaped, control and direction characters made visible.
func TestHostile_RunnerTextStoredExactlyAndShownEscaped(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
		require.NoError(t, err)
		_, admin := newUser(t, s, "admin2", true)
		web := newWebClient(t, s)
		require.Equal(t, http.StatusSeeOther, web.signIn("root", "root-password"))
		regToken := s.RegistrationToken(t, identity.InstanceScope)

		for _, h := range hostileTexts {
			t.Run(h.name, func(t *testing.T) {
				label := "lbl-" + h.name + ":docker://" + h.text
				r := s.Register(t, regToken, h.text, []string{label, h.text}, false)
				stored, err := actions_model.GetRunnerByID(s.Ctx, r.ID)
				require.NoError(t, err)
				assert.Equal(t, h.text, stored.Name, "stored exactly")
				assert.Equal(t, []string{label, h.text}, stored.LabelList(), "labels stored exactly")

				res := admin.do(t, http.MethodGet, fmt.Sprintf("/api/v1/admin/actions/runners/%d", r.ID), nil)
				require.Equal(t, http.StatusOK, res.Status)
				var got struct {
					Name   string
					Labels []struct{ Name string }
				}
				res.decode(t, &got)
				assert.Equal(t, h.text, got.Name, "the API returns it exactly")
				require.Len(t, got.Labels, 2)
				assert.Equal(t, h.text, got.Labels[1].Name)
				assert.NotContains(t, string(res.Body), "<", "JSON escapes markup too")

				for _, path := range []string{"/-/admin/actions/runners", fmt.Sprintf("/-/admin/actions/runners/%d", r.ID)} {
					status, _, body := web.get(path)
					require.Equal(t, http.StatusOK, status, path)
					assertShownAsText(t, body, h.text, h.escaped, path)
				}
			})
		}

		// NUL is the one character refused, on every database alike:
		// PostgreSQL cannot keep it in text.
		client := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL())
		for _, req := range []*runnerv1.RegisterRequest{
			{Name: "nul\x00name", Token: regToken, Labels: []string{"x"}},
			{Name: "ok", Token: regToken, Labels: []string{"x:\x00"}},
			{Name: "ok", Token: regToken, Labels: []string{"x"}, Version: "v\x00"},
		} {
			_, err := client.Register(context.Background(), connect.NewRequest(req))
			requireCode(t, err, connect.CodeInvalidArgument, "%q", req.String())
		}
	})
}

// assertShownAsText checks that a page shows text as its escaped form and
// never raw, and carries no control character but tab and newlines.
func assertShownAsText(t *testing.T, body, text, escaped, where string) {
	t.Helper()
	if strings.ContainsAny(text, `<>"'&`) || strings.ContainsFunc(text, isHidden) {
		assert.False(t, strings.Contains(body, text), "%s shows %q raw", where, text)
	}
	assert.True(t, strings.Contains(body, escaped), "%s shows %q as %q", where, text, escaped)
	for i, r := range body {
		if isHidden(r) {
			t.Fatalf("%s: hidden character %U at byte %d: %q", where, r, i, body[max(0, i-40):min(len(body), i+40)])
		}
	}
}

// isHidden reports characters a page must not carry raw: controls (but tab
// and line ends) and the ones that reorder or hide text.
func isHidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e || r == 0x200f, r == 0xfeff:
		return true
	}
	return false
}

// sqlProbes are filter values written to break out of a SQL string or
// number, or to be too big for one.
var sqlProbes = []string{
	`' OR '1'='1`,
	`1 OR 1=1`,
	`1; DROP TABLE action_run_job; --`,
	`queued' UNION SELECT token_hash FROM action_runner --`,
	`%`,
	`_`,
	`\`,
	"\x00",
	`-1`,
	`99999999999999999999999`,
	strings.Repeat("A", 5000),
}

// TestHostile_SQLInRESTFilters sends each probe in every query parameter and
// name the REST API reads. Every answer is a clean one — a result or a 4xx
// with a JSON message, never a server error — and the data is intact and
// undisclosed afterwards.
func TestHostile_SQLInRESTFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		repo := s.CreateRepo(t, "octo", "app")
		r := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), "r1", []string{"ubuntu-latest"}, false)
		jobs := s.QueueJobs(t, repo, []string{"ubuntu-latest"}, []string{"linux", "gpu"}, []string{"linux"})
		require.NotNil(t, fetch(t, r))
		before := admin.do(t, http.MethodGet, "/api/v1/admin/actions/jobs?status=queued", nil)
		require.Equal(t, http.StatusOK, before.Status, "%s", before.Body)

		paths := []func(p string) string{
			func(p string) string { return "/api/v1/admin/actions/runners?page=" + p },
			func(p string) string { return "/api/v1/admin/actions/runners?limit=" + p },
			func(p string) string { return "/api/v1/admin/actions/jobs?status=" + p },
			func(p string) string { return "/api/v1/admin/actions/jobs?labels=" + p },
			func(p string) string { return "/api/v1/admin/actions/jobs?labels=linux," + p + "&per_page=" + p },
			func(p string) string { return "/api/v1/repos/octo/app/actions/runs?status=" + p },
			func(p string) string { return "/api/v1/repos/octo/app/actions/runs?page=" + p + "&per_page=" + p },
			func(p string) string { return "/api/v1/repos/octo/app/actions/jobs?status=" + p },
			func(p string) string { return "/api/v1/repos/octo/app/actions/runners/registration-tokens?page=" + p },
			func(p string) string { return "/api/v1/repos/octo/" + p + "/actions/runs" },
			func(p string) string { return "/api/v1/orgs/" + p + "/actions/runners" },
			func(p string) string { return "/api/v1/admin/actions/runners/" + p },
			func(p string) string { return "/api/v1/repos/octo/app/actions/runs/" + p + "/jobs" },
			func(p string) string { return "/api/v1/repos/octo/app/actions/jobs/" + p },
			func(p string) string { return "/api/v1/admin/hooks?page=" + p },
			func(p string) string {
				return "/api/v1/repos/octo/app/actions/runs?actor=" + p + "&branch=" + p + "&event=" + p + "&head_sha=" + p
			},
			func(p string) string { return "/api/v1/repos/octo/app/actions/runs?created=" + p },
			func(p string) string { return "/api/v1/repos/octo/app/actions/runs?created=>=" + p },
			func(p string) string { return "/api/v1/admin/actions/runners?disabled=" + p + "&name=" + p },
			func(p string) string { return "/api/v1/orgs/" + p + "/repos" },
		}
		for _, probe := range sqlProbes {
			for _, path := range paths {
				target := path(url.QueryEscape(probe))
				if strings.Contains(target, "/"+url.QueryEscape(probe)+"/") || strings.HasSuffix(target, "/"+url.QueryEscape(probe)) {
					target = path(url.PathEscape(probe))
				}
				res := admin.do(t, http.MethodGet, target, nil)
				assert.Less(t, res.Status, 500, "%s: %s", target, res.Body)
				assert.True(t, res.Status < 300 || res.message(t) != "", "%s: a refusal says why", target)
				assert.NotContains(t, string(res.Body), r.Token, "%s discloses nothing", target)
				if res.Status == http.StatusOK && strings.Contains(target, "labels=") {
					var list struct {
						TotalCount int64 `json:"total_count"`
					}
					res.decode(t, &list)
					assert.Zero(t, list.TotalCount, "%s: a label probe matches no job", target)
				}
			}
		}

		after := admin.do(t, http.MethodGet, "/api/v1/admin/actions/jobs?status=queued", nil)
		require.Equal(t, http.StatusOK, after.Status)
		assert.JSONEq(t, string(before.Body), string(after.Body), "the queue is as it was")
		for _, id := range jobs {
			_, err := actions_model.GetRunJobByID(s.Ctx, id)
			require.NoError(t, err, "job %d is still there", id)
		}
		n, err := s.Engine.Count(new(actions_model.Runner))
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "the runner table is intact")
	}, func(o *options.Options) { o.API.RateLimit = 0 }) // hundreds of probes from one user
}
