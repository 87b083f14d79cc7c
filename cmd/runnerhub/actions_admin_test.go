package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestActionsAdminCommands: a token made by the CLI registers a real runner
// over the runner protocol; the CLI then lists, disables, enables and
// deletes it, and manages the tokens, in tables and JSON.
func TestActionsAdminCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	dbPath := filepath.Join(dir, "rh.db")
	require.NoError(t, os.WriteFile(cfg, []byte("[server]\nAPP_DATA_PATH = "+dir+"\n[database]\nPATH = "+dbPath+"\n"), 0o600))
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "-c", cfg), &out)
		return out.String(), err
	}
	jsonOf := func(v any, args ...string) {
		t.Helper()
		out, err := cli(append(args, "--output", "json")...)
		require.NoError(t, err, out)
		require.NoError(t, json.Unmarshal([]byte(out), v), out)
	}
	_, err := cli("admin", "user", "create", "--username", "root", "--password", "secret-pass")
	require.NoError(t, err)
	_, err = cli("admin", "org", "create", "--name", "acme", "--owner", "root")
	require.NoError(t, err)

	var made tokenView
	jsonOf(&made, "actions", "registration-tokens", "create", "--scope", "acme", "--name", "ci", "--max-uses", "2")
	require.Len(t, made.Token, 40)
	assert.Equal(t, "active", made.State)

	o := options.Default()
	o.Database.Path = dbPath
	s := testserver.StartOn(t, o)
	r := s.Register(t, made.Token, "builder", []string{"ubuntu-latest"}, false)
	require.NotNil(t, r)

	var runners []runnerView
	jsonOf(&runners, "actions", "runners", "list", "--scope", "acme")
	require.Len(t, runners, 1)
	assert.Equal(t, "builder", runners[0].Name)
	assert.Equal(t, "org acme", runners[0].Scope)
	assert.Equal(t, []string{"ubuntu-latest"}, runners[0].Labels)
	id := runners[0].ID
	jsonOf(&runners, "actions", "runners", "list")
	require.Len(t, runners, 1, "the instance scope lists every runner")

	var one runnerView
	jsonOf(&one, "actions", "runners", "disable", "--scope", "acme", "--id", itoa(id))
	assert.True(t, one.Disabled)
	jsonOf(&one, "actions", "runners", "show", "--scope", "acme", "--id", itoa(id))
	assert.True(t, one.Disabled, "disabling was stored")
	jsonOf(&one, "actions", "runners", "enable", "--scope", "acme", "--id", itoa(id))
	assert.False(t, one.Disabled)
	out, err := cli("actions", "runners", "list", "--scope", "acme")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ID\s+NAME\s+SCOPE`, out)
	assert.Contains(t, out, "builder")

	_, err = cli("actions", "runners", "show", "--scope", "root", "--id", itoa(id))
	require.Error(t, err, "another scope's runner is not found")
	_, err = cli("actions", "runners", "list", "--scope", "acme", "--output", "yaml")
	require.Error(t, err)

	var tokens []tokenView
	jsonOf(&tokens, "actions", "registration-tokens", "list", "--scope", "acme")
	require.Len(t, tokens, 1)
	assert.Equal(t, int64(1), tokens[0].Uses)
	assert.Empty(t, tokens[0].Token, "a list never shows a token")
	jsonOf(&tokens, "actions", "registration-tokens", "disable", "--scope", "acme", "--id", itoa(made.ID))
	assert.Equal(t, "disabled", tokens[0].State)

	out, err = cli("actions", "registration-tokens", "delete", "--scope", "acme", "--id", itoa(made.ID))
	require.NoError(t, err, out)
	jsonOf(&tokens, "actions", "registration-tokens", "list", "--scope", "acme")
	assert.Empty(t, tokens)
	var one2 runnerView
	jsonOf(&one2, "actions", "runners", "show", "--scope", "acme", "--id", itoa(id))
	assert.Equal(t, "builder", one2.Name, "its runner stays")

	before, err := cli("actions", "generate-runner-token", "--scope", "acme")
	require.NoError(t, err)
	after, err := cli("actions", "registration-tokens", "reset", "--scope", "acme")
	require.NoError(t, err)
	assert.NotEqual(t, before, after)
	again, err := cli("actions", "generate-runner-token", "--scope", "acme")
	require.NoError(t, err)
	assert.Equal(t, after, again, "reset replaced the default token")

	out, err = cli("actions", "runners", "delete", "--scope", "acme", "--id", itoa(id))
	require.NoError(t, err)
	assert.Contains(t, out, "deleted runner")
	jsonOf(&runners, "actions", "runners", "list", "--scope", "acme")
	assert.Empty(t, runners)
	assert.False(t, strings.Contains(out, made.Token))
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
