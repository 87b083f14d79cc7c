package integration

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// webClient is a browser without JavaScript: it keeps cookies and does not
// follow redirects, so the test sees each answer.
type webClient struct {
	t    *testing.T
	s    *testserver.Server
	http *http.Client
}

func newWebClient(t *testing.T, s *testserver.Server) *webClient {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &webClient{t: t, s: s, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// get returns the status, the Location header and the body.
func (c *webClient) get(path string) (int, string, string) {
	res, err := c.http.Get(c.s.URL + path)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

func (c *webClient) post(path string, form url.Values) (int, string, string) {
	res, err := c.http.PostForm(c.s.URL+path, form)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// csrf reads the form token from a page.
func (c *webClient) csrf(path string) string {
	_, _, body := c.get(path)
	m := csrfField.FindStringSubmatch(body)
	require.NotNil(c.t, m, "no CSRF field on %s", path)
	return m[1]
}

func (c *webClient) signIn(name, password string) int {
	status, _, _ := c.post("/user/login", url.Values{"_csrf": {c.csrf("/user/login")}, "user_name": {name}, "password": {password}})
	return status
}

func TestUIForms_CSRFIsRequired(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
	require.NoError(t, err)
	c := newWebClient(t, s)
	form := url.Values{"user_name": {"root"}, "password": {"root-password"}}
	status, _, _ := c.post("/user/login", form)
	assert.Equal(t, http.StatusForbidden, status, "no token")

	other := newWebClient(t, s)
	form.Set("_csrf", other.csrf("/user/login"))
	status, _, _ = c.post("/user/login", form)
	assert.Equal(t, http.StatusForbidden, status, "a token made for another browser")

	require.Equal(t, http.StatusSeeOther, c.signIn("root", "root-password"))
	r := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), "r", []string{"x"}, false)
	status, _, _ = c.post(fmt.Sprintf("/-/admin/actions/runners/%d/delete", r.ID), url.Values{})
	assert.Equal(t, http.StatusForbidden, status, "a signed-in form without the token")
	_, err = actions_model.GetRunnerByID(s.Ctx, r.ID)
	require.NoError(t, err, "nothing was deleted")

	status, loc, _ := c.post(fmt.Sprintf("/-/admin/actions/runners/%d/delete", r.ID), url.Values{"_csrf": {c.csrf("/")}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/-/admin/actions/runners?done=runner-deleted", loc)
}

func TestUIForms_AuthorizationAndSessions(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
	require.NoError(t, err)
	bob, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "bob", Password: "bob-password"})
	require.NoError(t, err)
	acme, err := s.App.Accounts().CreateOrg(s.Ctx, bob, "acme")
	require.NoError(t, err)
	orgRunner := s.Register(t, s.RegistrationToken(t, identity.ScopeOf(acme.ID, 0)), "org-runner", []string{"x"}, false)

	c := newWebClient(t, s)
	status, loc, _ := c.get("/org/acme/settings/actions/runners")
	assert.Equal(t, http.StatusSeeOther, status, "anonymous visitors are sent to sign in")
	assert.Equal(t, "/user/login?redirect_to="+url.QueryEscape("/org/acme/settings/actions/runners"), loc)

	require.Equal(t, http.StatusSeeOther, c.signIn("alice", "alice-password"))
	status, _, body := c.get("/user/settings/actions/runners")
	assert.Equal(t, http.StatusOK, status, "everyone manages their own")
	assert.Contains(t, body, "User alice")
	for path, want := range map[string]int{
		"/-/admin/actions/runners":                                         http.StatusForbidden,
		"/org/acme/settings/actions/runners":                               http.StatusForbidden,
		"/org/nope/settings/actions/runners":                               http.StatusNotFound,
		fmt.Sprintf("/org/acme/settings/actions/runners/%d", orgRunner.ID): http.StatusForbidden,
		fmt.Sprintf("/user/settings/actions/runners/%d", orgRunner.ID):     http.StatusNotFound, // not hers
	} {
		status, _, _ := c.get(path)
		assert.Equal(t, want, status, path)
	}
	status, _, _ = c.post(fmt.Sprintf("/org/acme/settings/actions/runners/%d/delete", orgRunner.ID), url.Values{"_csrf": {c.csrf("/")}})
	assert.Equal(t, http.StatusForbidden, status)
	_, err = actions_model.GetRunnerByID(s.Ctx, orgRunner.ID)
	require.NoError(t, err, "the refused delete changed nothing")

	// Signing out ends the session on the server: the old cookie is worthless.
	u, _ := url.Parse(s.URL)
	cookies := c.http.Jar.Cookies(u)
	status, _, _ = c.post("/user/logout", url.Values{"_csrf": {c.csrf("/")}})
	require.Equal(t, http.StatusSeeOther, status)
	replay := newWebClient(t, s)
	replay.http.Jar.SetCookies(u, cookies)
	status, _, _ = replay.get("/user/settings/actions/runners")
	assert.Equal(t, http.StatusSeeOther, status, "a signed-out session does not come back")
}

func TestUIForms_SignInFailuresAreLimited(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	stopPasswordClock(s)
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password"})
	require.NoError(t, err)
	c := newWebClient(t, s)
	for i := 0; i < 10; i++ {
		require.Equal(t, http.StatusUnauthorized, c.signIn("root", "wrong-password"), "failure %d", i)
	}
	assert.Equal(t, http.StatusTooManyRequests, c.signIn("root", "root-password"), "the address must wait, even with the right password")
}

func TestUIForms_PagesEscapeRunnerData(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
	require.NoError(t, err)
	evil := `<script>alert(1)</script>`
	r := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), evil, []string{"x:" + evil}, false)
	c := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, c.signIn("root", "root-password"))
	for _, path := range []string{"/-/admin/actions/runners", fmt.Sprintf("/-/admin/actions/runners/%d", r.ID)} {
		status, _, body := c.get(path)
		require.Equal(t, http.StatusOK, status, path)
		assert.NotContains(t, body, evil, path)
		assert.True(t, strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;"), path)
	}
}
