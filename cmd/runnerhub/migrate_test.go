package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"
	"xorm.io/xorm/names"

	"code.runnerhub.dev/runnerhub/tests/giteafixture"
)

// TestMigrate_DryRunOnGiteaThenAdopt: the operator looks first, which
// changes nothing, then migrates with Gitea's accounts.
func TestMigrate_DryRunOnGiteaThenAdopt(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "gitea.db")
	x, err := xorm.NewEngine("sqlite3", dbPath)
	require.NoError(t, err)
	x.SetMapper(names.GonicMapper{}) // as Gitea maps names
	g := giteafixture.Create(t, x)
	require.NoError(t, x.Close())
	write := func(source string) string {
		cfg := filepath.Join(dir, source+".ini")
		require.NoError(t, os.WriteFile(cfg, []byte("[server]\nAPP_DATA_PATH = "+dir+"\n[database]\nPATH = "+dbPath+
			"\n[accounts]\nSOURCE = "+source+"\n[actions]\nLEGACY_LOG_PATH = "+g.LogDir+"\n"), 0o600))
		return cfg
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), args, &out)
		return out.String(), err
	}
	before := dump(t, dbPath)

	out, err := cli("migrate", "--dry-run", "--config", write("gitea"))
	require.NoError(t, err)
	assert.Contains(t, out, "this database is Gitea's")
	assert.Regexp(t, `action_runner\s+8 row`, out)
	assert.Contains(t, out, "1 runner(s) of repositories that no longer exist")
	assert.Contains(t, out, "1 registration token(s) Gitea had replaced")
	assert.Contains(t, out, "1 task log(s) Gitea had already deleted")
	assert.Contains(t, out, "1 row(s) of action_variable: left to Gitea")
	assert.NotContains(t, out, "not found under LEGACY_LOG_PATH", "both finished logs are in the folder")
	assert.Contains(t, out, "19: rename the webhook tables")
	assert.True(t, before == dump(t, dbPath), "a dry run changes nothing: no table, index or row")

	out, err = cli("migrate", "--dry-run", "--config", write("standalone"))
	require.NoError(t, err)
	assert.Contains(t, out, "migrate would stop here")
	_, err = cli("migrate", "--config", write("standalone"))
	require.Error(t, err, "the standalone accounts would collide with Gitea's")

	out, err = cli("migrate", "--config", write("gitea"))
	require.NoError(t, err, out)
	out, err = cli("migrate", "--dry-run", "--config", write("gitea"))
	require.NoError(t, err)
	assert.Contains(t, out, "nothing to do")
	_, err = cli("admin", "user", "create", "--username", "x", "--password", "secret-pass", "--config", write("gitea"))
	assert.ErrorContains(t, err, "SOURCE is gitea")
	tok, err := cli("actions", "generate-runner-token", "--scope", "acme", "--config", write("gitea"))
	require.NoError(t, err)
	assert.Equal(t, g.RegistrationTokens["acme"]+"\n", tok, "Gitea's org token, resolved through Gitea's accounts")
}

// dump is the database's schema and rows as text (the file's bytes also
// change when a connection switches the journal mode).
func dump(t *testing.T, path string) string {
	x, err := xorm.NewEngine("sqlite3", path)
	require.NoError(t, err)
	defer x.Close()
	tables, err := x.QueryString("SELECT type, name, sql FROM sqlite_master ORDER BY name")
	require.NoError(t, err)
	var b strings.Builder
	for _, tb := range tables {
		fmt.Fprintln(&b, tb)
		if tb["type"] == "table" {
			rows, err := x.QueryString("SELECT * FROM " + x.Quote(tb["name"]))
			require.NoError(t, err)
			fmt.Fprintln(&b, rows)
		}
	}
	return b.String()
}
