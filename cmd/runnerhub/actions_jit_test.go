package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestGenerateJITConfigCommand: the operator's JIT config, printed alone or
// as JSON, is a runner in the group asked for whose credential the running
// server accepts; bad input is refused and makes nothing.
func TestGenerateJITConfigCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	dbPath := filepath.Join(dir, "rh.db")
	writeConfig := func(rootURL string) {
		ini := "[server]\nAPP_DATA_PATH = " + dir + "\nROOT_URL = " + rootURL + "\n[database]\nPATH = " + dbPath + "\n"
		require.NoError(t, os.WriteFile(cfg, []byte(ini), 0o600))
	}
	writeConfig("")
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "-c", cfg), &out)
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := cli(args...)
		require.NoError(t, err, "%v: %s", args, out)
		return out
	}
	must("admin", "user", "create", "--username", "root", "--password", "secret-pass")
	must("admin", "org", "create", "--name", "acme", "--owner", "root")
	must("actions", "runner-group", "create", "--org", "acme", "--name", "builders")
	jit := func(args ...string) []string {
		return append([]string{"actions", "runners", "generate-jitconfig", "--scope", "acme", "--name", "jit-1", "--labels", "linux:host, arm64"}, args...)
	}

	_, err := cli(jit()...)
	require.ErrorContains(t, err, "ROOT_URL", "without ROOT_URL no config can name the server")

	// The server the runner will reach, on the same database.
	o := options.Default()
	o.Database.Path = dbPath
	s := testserver.StartOn(t, o)
	writeConfig(s.URL + "/")

	encoded := strings.TrimSpace(must(jit()...))
	f, err := actions_service.DecodeJITConfig(encoded)
	require.NoError(t, err)
	assert.Equal(t, "jit-1", f.Name)
	assert.Equal(t, []string{"linux:host", "arm64"}, f.Labels)
	assert.Equal(t, s.URL, f.Address)
	assert.True(t, f.Ephemeral)
	_, err = s.RunnerClient(f.UUID, f.Token).Declare(context.Background(), connect.NewRequest(&runnerv1.DeclareRequest{Labels: f.Labels}))
	require.NoError(t, err, "the running server accepts the config's credential")

	var view jitView
	require.NoError(t, json.Unmarshal([]byte(must(jit("--group", "builders", "--output", "json")...)), &view))
	assert.Equal(t, "builders", view.RunnerGroup)
	assert.True(t, view.Runner.Ephemeral)
	assert.Equal(t, "org acme", view.Runner.Scope)
	g, err := actions_service.DecodeJITConfig(view.EncodedJITConfig)
	require.NoError(t, err)
	assert.Equal(t, view.Runner.ID, g.ID)

	var runners []runnerView
	require.NoError(t, json.Unmarshal([]byte(must("actions", "runners", "list", "--scope", "acme", "--output", "json")), &runners))
	require.Len(t, runners, 2)
	for _, bad := range [][]string{
		jit("--group", "nope"),
		{"actions", "runners", "generate-jitconfig", "--scope", "acme", "--name", "x", "--labels", " , "},
		{"actions", "runners", "generate-jitconfig", "--scope", "acme", "--labels", "linux"},
		{"actions", "runners", "generate-jitconfig", "--scope", "nobody", "--name", "x", "--labels", "linux"},
	} {
		out, err := cli(bad...)
		assert.Error(t, err, "%v: %s", bad, out)
	}
	require.NoError(t, json.Unmarshal([]byte(must("actions", "runners", "list", "--scope", "acme", "--output", "json")), &runners))
	assert.Len(t, runners, 2, "refusals make nothing")
}
