package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestRunnerGroupCommands drives `runnerhub actions runner-group` as an
// operator does, then registers a runner with the group token it printed
// against a server on the same database.
func TestRunnerGroupCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	dbPath := filepath.Join(dir, "rh.db")
	require.NoError(t, os.WriteFile(cfg, []byte("[server]\nAPP_DATA_PATH = "+dir+"\n[database]\nPATH = "+dbPath+"\n"), 0o600))
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "--config", cfg), &out)
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := cli(args...)
		require.NoError(t, err, "%v: %s", args, out)
		return out
	}
	must("admin", "user", "create", "--username", "root", "--password", "secret-pass", "--admin")
	must("admin", "user", "create", "--username", "dev", "--password", "secret-pass")
	must("admin", "org", "create", "--name", "acme", "--owner", "root")
	must("admin", "org", "create", "--name", "other", "--owner", "root")
	must("admin", "repo", "create", "--owner", "acme", "--name", "app")
	must("admin", "repo", "create", "--owner", "acme", "--name", "lib")
	must("admin", "repo", "create", "--owner", "other", "--name", "x")

	rg := func(args ...string) []string { return append([]string{"actions", "runner-group"}, args...) }
	out := must(rg("create", "--org", "acme", "--name", "builders", "--visibility", "selected", "--repos", "app")...)
	assert.Contains(t, out, "created runner group builders")
	must(rg("add-repo", "--org", "acme", "--group", "builders", "--repo", "lib")...)
	must(rg("remove-repo", "--org", "acme", "--group", "builders", "--repo", "app")...)
	must(rg("add-manager", "--org", "acme", "--group", "builders", "--username", "dev")...)
	must(rg("create", "--name", "fleet", "--visibility", "selected", "--orgs", "other", "--repos", "acme/app")...)
	out = must(rg("list", "--org", "acme")...)
	assert.Regexp(t, `(?m)^\d+\tDefault\tall \(default\)\n\d+\tbuilders\tselected$`, strings.TrimSpace(out))
	assert.Contains(t, must(rg("list")...), "fleet\tselected")
	token := strings.TrimSpace(must(rg("generate-token", "--org", "acme", "--group", "builders")...))
	require.Len(t, token, 40)
	assert.Equal(t, token, strings.TrimSpace(must(rg("generate-token", "--org", "acme", "--group", "builders")...)), "reusable")

	for name, args := range map[string][]string{
		"missing flag":                rg("create", "--org", "acme"),
		"duplicate name":              rg("create", "--org", "acme", "--name", "Builders"),
		"repository of another org":   rg("add-repo", "--org", "acme", "--group", "builders", "--repo", "x"),
		"unknown group":               rg("add-repo", "--org", "acme", "--group", "nope", "--repo", "app"),
		"delete the default group":    rg("delete", "--org", "acme", "--group", "Default"),
		"an organization as manager":  rg("add-manager", "--org", "acme", "--group", "builders", "--username", "other"),
		"unknown user as manager":     rg("add-manager", "--org", "acme", "--group", "builders", "--username", "nobody"),
		"unknown org":                 rg("list", "--org", "nope"),
		"unknown command":             rg("rename"),
		"instance repo without owner": rg("add-repo", "--group", "fleet", "--repo", "app"),
	} {
		out, err := cli(args...)
		assert.Error(t, err, "%s: %s", name, out)
	}

	o := options.Default()
	o.Database.Path = dbPath
	s := testserver.StartOn(t, o)
	r := s.Register(t, token, "cli-runner", []string{"linux"}, false)
	stored, err := actions_model.GetRunnerByID(s.Ctx, r.ID)
	require.NoError(t, err)
	g, err := actions_model.GetRunnerGroupByID(s.Ctx, stored.RunnerGroupID)
	require.NoError(t, err)
	assert.Equal(t, "builders", g.Name, "the group's token put the runner in the group")
	targets, err := actions_model.GetRunnerGroupTargets(s.Ctx, g.ID)
	require.NoError(t, err)
	require.Len(t, targets, 1)
	dev, err := user_model.GetUserByName(s.Ctx, "dev")
	require.NoError(t, err)
	ok, err := actions_model.IsRunnerGroupManager(s.Ctx, g.ID, dev.ID)
	require.NoError(t, err)
	assert.True(t, ok, "dev manages the group")

	newToken := strings.TrimSpace(must(rg("generate-token", "--org", "acme", "--group", "builders", "--reset")...))
	assert.NotEqual(t, token, newToken)
	must(rg("remove-manager", "--org", "acme", "--group", "builders", "--username", "dev")...)
	must(rg("delete", "--org", "acme", "--group", "builders")...)
	stored, err = actions_model.GetRunnerByID(s.Ctx, r.ID)
	require.NoError(t, err)
	def, err := actions_model.GetRunnerGroupByID(s.Ctx, stored.RunnerGroupID)
	require.NoError(t, err)
	assert.True(t, def.IsDefault, "the deleted group's runner is back in the default group")
}
