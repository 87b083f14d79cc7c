package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestAdminCommands drives the admin CLI as an operator does, then uses the
// access token it printed against a server on the same database.
func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	dbPath := filepath.Join(dir, "rh.db")
	require.NoError(t, os.WriteFile(cfg, []byte("[server]\nAPP_DATA_PATH = "+dir+"\n[database]\nPATH = "+dbPath+"\n"), 0o600))
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "--config", cfg), &out)
		return out.String(), err
	}

	out, err := cli("admin", "user", "create", "--username", "root", "--password", "secret-pass", "--email", "root@example.com", "--admin")
	require.NoError(t, err)
	assert.Contains(t, out, "created admin user root")
	_, err = cli("admin", "user", "create", "--username", "dev", "--password", "secret-pass")
	require.NoError(t, err)
	out, err = cli("admin", "org", "create", "--name", "acme", "--owner", "root")
	require.NoError(t, err, out)
	out, err = cli("admin", "org", "add-owner", "--org", "acme", "--username", "dev")
	require.NoError(t, err, out)
	out, err = cli("admin", "repo", "create", "--owner", "acme", "--name", "app")
	require.NoError(t, err)
	assert.Contains(t, out, "acme/app")
	out, err = cli("admin", "repo", "add-admin", "--repo", "acme/app", "--username", "dev")
	require.NoError(t, err, out)
	assert.Equal(t, "dev now has admin access to acme/app\n", out)
	_, err = cli("admin", "user", "create", "--username", "reader", "--password", "secret-pass")
	require.NoError(t, err)
	out, err = cli("admin", "repo", "add-collaborator", "--repo", "acme/app", "--username", "reader", "--mode", "read")
	require.NoError(t, err, out)
	assert.Equal(t, "reader now has read access to acme/app\n", out)
	token, err := cli("admin", "user", "generate-access-token", "--username", "dev", "--token-name", "ci", "--raw")
	require.NoError(t, err)
	token = strings.TrimSpace(token)
	require.Len(t, token, 40)

	for name, args := range map[string][]string{
		"missing flag":     {"admin", "user", "create", "--username", "x"},
		"short password":   {"admin", "user", "create", "--username", "x", "--password", "short"},
		"taken name":       {"admin", "user", "create", "--username", "ROOT", "--password", "secret-pass"},
		"reserved name":    {"admin", "org", "create", "--name", "api", "--owner", "root"},
		"unknown owner":    {"admin", "repo", "create", "--owner", "nobody", "--name", "x"},
		"bad repo":         {"admin", "repo", "add-admin", "--repo", "acme", "--username", "dev"},
		"bad mode":         {"admin", "repo", "add-collaborator", "--repo", "acme/app", "--username", "reader", "--mode", "owner"},
		"no collaborator":  {"admin", "repo", "remove-collaborator", "--repo", "acme/app", "--username", "root"},
		"org owner is org": {"admin", "org", "add-owner", "--org", "acme", "--username", "acme"},
		"unknown command":  {"admin", "user", "remove"},
		"no user to del":   {"admin", "user", "delete", "--username", "nobody"},
		"duplicate token":  {"admin", "user", "generate-access-token", "--username", "dev", "--token-name", "ci"},
		"bad expiry":       {"admin", "user", "generate-access-token", "--username", "dev", "--token-name", "x", "--expires-in", "soon"},
		"past expiry":      {"admin", "user", "generate-access-token", "--username", "dev", "--token-name", "x", "--expires-in", "-1h"},
		"no such token":    {"admin", "user", "delete-access-token", "--username", "dev", "--token", "nope"},
		"token of another": {"admin", "user", "delete-access-token", "--username", "root", "--token", "ci"},
	} {
		_, err := cli(args...)
		assert.Error(t, err, name)
	}

	o := options.Default()
	o.Database.Path = dbPath
	s := testserver.StartOn(t, o)
	req, err := http.NewRequest("GET", s.URL+"/api/v1/orgs/acme/actions/runners", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "token "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "dev owns acme through the CLI: %s", body)

	// The reader the CLI granted read access reads the repository's runs,
	// and is refused (403, not 404: they know it exists) its runners; once
	// removed, the repository is hidden from them (404).
	readerToken, err := cli("admin", "user", "generate-access-token", "--username", "reader", "--token-name", "keda", "--raw")
	require.NoError(t, err)
	asReader := func(path string) int {
		req, err := http.NewRequest("GET", s.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "token "+strings.TrimSpace(readerToken))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, http.StatusOK, asReader("/api/v1/repos/acme/app/actions/runs"))
	assert.Equal(t, http.StatusForbidden, asReader("/api/v1/repos/acme/app/actions/runners"))
	out, err = cli("admin", "repo", "remove-collaborator", "--repo", "acme/app", "--username", "reader")
	require.NoError(t, err, out)
	assert.Equal(t, http.StatusNotFound, asReader("/api/v1/repos/acme/app/actions/runs"))

	// Access tokens: an expiring one, the list, and revocation the running
	// server honours at once.
	expiring, err := cli("admin", "user", "generate-access-token", "--username", "dev", "--token-name", "month", "--expires-in", "720h")
	require.NoError(t, err)
	assert.Regexp(t, `^access token "month" with scopes all created for dev \(shown this once\): [0-9a-f]{40}\n$`, expiring, "without --raw the token is labelled")
	out, err = cli("admin", "user", "list-access-tokens", "--username", "dev")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Contains(t, lines[1], `"ci"`)
	assert.Contains(t, lines[1], token[32:])
	assert.Contains(t, lines[1], "never")
	assert.Contains(t, lines[2], `"month"`)
	assert.NotContains(t, lines[2], "never")
	assert.NotContains(t, out, token, "the list never shows a token")
	out, err = cli("admin", "user", "delete-access-token", "--username", "dev", "--token", "ci")
	require.NoError(t, err)
	assert.Contains(t, out, "deleted access token")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the revoked token is refused at once")
}

// TestAdminUserLifecycle: list, change-password (the old password stops
// working), and delete, which refuses while the user is needed.
func TestAdminUserLifecycle(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	require.NoError(t, os.WriteFile(cfg, []byte("[server]\nAPP_DATA_PATH = "+dir+"\n[database]\nPATH = "+filepath.Join(dir, "rh.db")+"\n"), 0o600))
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "--config", cfg), &out)
		return out.String(), err
	}
	for _, args := range [][]string{
		{"admin", "user", "create", "--username", "root", "--password", "secret-pass", "--admin", "--email", "root@example.com"},
		{"admin", "user", "create", "--username", "dev", "--password", "secret-pass"},
		{"admin", "org", "create", "--name", "acme", "--owner", "root"},
	} {
		out, err := cli(args...)
		require.NoError(t, err, out)
	}
	out, err := cli("admin", "user", "list", "--output", "json")
	require.NoError(t, err)
	var users []identity.UserInfo
	require.NoError(t, json.Unmarshal([]byte(out), &users), out)
	require.Len(t, users, 2, "organizations are not users")
	assert.Equal(t, "dev", users[0].Name)
	assert.Equal(t, "root", users[1].Name)
	assert.True(t, users[1].IsAdmin)
	out, err = cli("admin", "user", "list")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ID\s+NAME\s+EMAIL`, out)
	assert.Contains(t, out, "root@example.com")

	_, err = cli("admin", "user", "change-password", "--username", "dev", "--password", "short")
	require.Error(t, err)
	_, err = cli("admin", "user", "change-password", "--username", "dev", "--password", "new-secret-pass")
	require.NoError(t, err)
	o, err := options.Load(cfg, nil)
	require.NoError(t, err)
	o.Database.Path = filepath.Join(dir, "rh.db")
	s := testserver.StartOn(t, o)
	acc := s.App.Accounts()
	ctx := s.App.Context(context.Background())
	_, err = acc.UserByPassword(ctx, "dev", "secret-pass")
	require.Error(t, err, "the old password no longer works")
	_, err = acc.UserByPassword(ctx, "dev", "new-secret-pass")
	require.NoError(t, err)

	token, err := cli("admin", "user", "generate-access-token", "--username", "dev", "--raw")
	require.NoError(t, err)
	_, err = cli("admin", "user", "delete", "--username", "root")
	require.ErrorContains(t, err, "last owner", "acme would be left without an owner")
	out, err = cli("admin", "user", "delete", "--username", "dev")
	require.NoError(t, err, out)
	req, err := http.NewRequest("GET", s.URL+"/api/v1/orgs/acme/actions/runners", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "token "+strings.TrimSpace(token))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the deleted user's token is gone")
	out, err = cli("admin", "user", "list", "--output", "json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &users))
	require.Len(t, users, 1)
}

// adminCLI writes a config for a fresh SQLite database and returns a
// function that runs the CLI on it, and the config's path.
func adminCLI(t *testing.T) (func(args ...string) (string, error), string) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	require.NoError(t, os.WriteFile(cfg, []byte("[server]\nAPP_DATA_PATH = "+dir+"\n[database]\nPATH = "+filepath.Join(dir, "rh.db")+"\n"), 0o600))
	return func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "--config", cfg), &out)
		return out.String(), err
	}, cfg
}

// startOnConfig starts a server on the CLI's database.
func startOnConfig(t *testing.T, cfg string) *testserver.Server {
	o, err := options.Load(cfg, nil)
	require.NoError(t, err)
	return testserver.StartOn(t, o)
}

// TestAdminMustChangePassword: the flag set and cleared on named users, or
// all but the excluded, shown by list; bad input changes nothing.
func TestAdminMustChangePassword(t *testing.T) {
	cli, _ := adminCLI(t)
	for _, args := range [][]string{
		{"admin", "user", "create", "--username", "root", "--password", "secret-pass", "--admin"},
		{"admin", "user", "create", "--username", "ann", "--password", "secret-pass"},
		{"admin", "user", "create", "--username", "ben", "--password", "secret-pass"},
	} {
		out, err := cli(args...)
		require.NoError(t, err, out)
	}
	flags := func() map[string]bool {
		out, err := cli("admin", "user", "list", "--output", "json")
		require.NoError(t, err)
		var users []identity.UserInfo
		require.NoError(t, json.Unmarshal([]byte(out), &users), out)
		m := map[string]bool{}
		for _, u := range users {
			m[u.Name] = u.MustChangePassword
		}
		return m
	}
	for name, args := range map[string][]string{
		"nobody named":  {},
		"unknown user":  {"ann", "nobody"},
		"names and all": {"--all", "ann"},
		"unknown flag":  {"--everyone"},
	} {
		_, err := cli(append([]string{"admin", "user", "must-change-password"}, args...)...)
		assert.Error(t, err, name)
	}
	assert.Equal(t, map[string]bool{"root": false, "ann": false, "ben": false}, flags(), "refused commands change nothing")

	out, err := cli("admin", "user", "must-change-password", "ann")
	require.NoError(t, err)
	assert.Equal(t, "updated 1 users: must change password is now true\n", out)
	out, err = cli("admin", "user", "must-change-password", "--all", "--exclude", "root", "-e", "ann")
	require.NoError(t, err)
	assert.Contains(t, out, "updated 1 users")
	assert.Equal(t, map[string]bool{"root": false, "ann": true, "ben": true}, flags())
	out, err = cli("admin", "user", "must-change-password", "--unset", "ann")
	require.NoError(t, err)
	assert.Contains(t, out, "is now false")
	assert.Equal(t, map[string]bool{"root": false, "ann": false, "ben": true}, flags())
	out, err = cli("admin", "user", "list")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ID\s+NAME\s+EMAIL\s+ADMIN\s+PASSWORD\s+MUST CHANGE PASSWORD`, out)
	assert.Regexp(t, `(?m)^\d+\s+ben\s+false\s+true\s+true\s`, out)

	// change-password clears it unless asked to keep it.
	_, err = cli("admin", "user", "change-password", "--username", "ben", "--password", "another-pass")
	require.NoError(t, err)
	assert.False(t, flags()["ben"])
	out, err = cli("admin", "user", "change-password", "--username", "ben", "--password", "third-pass", "--must-change-password")
	require.NoError(t, err)
	assert.Contains(t, out, "must change it")
	assert.True(t, flags()["ben"])
}

// TestAdminCreateRandomPassword: the generated password is printed once
// and signs in; --password and --random-password exclude each other.
func TestAdminCreateRandomPassword(t *testing.T) {
	cli, cfg := adminCLI(t)
	_, err := cli("admin", "user", "create", "--username", "x", "--password", "secret-pass", "--random-password")
	require.Error(t, err)
	_, err = cli("admin", "user", "create", "--username", "x")
	require.ErrorContains(t, err, "--random-password")
	out, err := cli("admin", "user", "create", "--username", "dev", "--random-password", "--must-change-password")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^generated password \(shown this once\): (\S+)$`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.GreaterOrEqual(t, len(m[1]), 20)
	assert.Contains(t, out, "must change it at their first web sign-in")
	out2, err := cli("admin", "user", "create", "--username", "dev2", "--random-password")
	require.NoError(t, err)
	assert.NotContains(t, out2, m[1], "each password is new")

	s := startOnConfig(t, cfg)
	u, err := s.App.Accounts().UserByPassword(s.App.Context(context.Background()), "dev", m[1])
	require.NoError(t, err, "the printed password is the user's")
	assert.True(t, u.MustChangePassword)
	res := apiGet(t, s.URL+"/api/v1/user", "Basic "+basicAuth("dev", m[1]))
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "a password that must be changed opens nothing on the API")
}

// TestAdminAccessTokenScopes: --scopes makes a token limited to them, shown
// by list-access-tokens and enforced by the API; an unknown scope makes no token.
func TestAdminAccessTokenScopes(t *testing.T) {
	cli, cfg := adminCLI(t)
	for _, args := range [][]string{
		{"admin", "user", "create", "--username", "dev", "--password", "secret-pass", "--admin"},
		{"admin", "org", "create", "--name", "acme", "--owner", "dev"},
	} {
		out, err := cli(args...)
		require.NoError(t, err, out)
	}
	_, err := cli("admin", "user", "generate-access-token", "--username", "dev", "--token-name", "bad", "--scopes", "read:organization,write:everything")
	require.ErrorContains(t, err, `unknown scope "write:everything"`)
	reader, err := cli("admin", "user", "generate-access-token", "--username", "dev", "--token-name", "reader", "--scopes", "read:organization, read:admin", "--raw")
	require.NoError(t, err)
	full, err := cli("admin", "user", "generate-access-token", "--username", "dev", "--token-name", "full", "--raw")
	require.NoError(t, err)

	out, err := cli("admin", "user", "list-access-tokens", "--username", "dev")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ID\s+NAME\s+ENDS WITH\s+SCOPES`, out)
	assert.Regexp(t, `(?m)"reader"\s+\S{8}\s+read:admin,read:organization\s`, out)
	assert.Regexp(t, `(?m)"full"\s+\S{8}\s+all\s`, out)
	assert.NotContains(t, out, `"bad"`, "the refused token was not made")
	out, err = cli("admin", "user", "list-access-tokens", "--username", "dev", "--output", "json")
	require.NoError(t, err)
	var rows []struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rows), out)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"read:admin", "read:organization"}, rows[0].Scopes)

	s := startOnConfig(t, cfg)
	reader, full = "token "+strings.TrimSpace(reader), "token "+strings.TrimSpace(full)
	assert.Equal(t, http.StatusOK, apiGet(t, s.URL+"/api/v1/orgs/acme/actions/runners", reader).StatusCode)
	assert.Equal(t, http.StatusForbidden, apiGet(t, s.URL+"/api/v1/user", reader).StatusCode, "no user scope")
	assert.Equal(t, http.StatusOK, apiGet(t, s.URL+"/api/v1/user", full).StatusCode)
}

func apiGet(t *testing.T, url, auth string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", auth)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
