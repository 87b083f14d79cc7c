package options

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/ini.v1"
)

func writeINI(t *testing.T, body string) string {
	path := filepath.Join(t.TempDir(), "app.ini")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

// TestInspect_NamesUnknownWithClosestKnown: misspelt sections, keys and
// variables are each named, with the likely intended name.
func TestInspect_NamesUnknownWithClosestKnown(t *testing.T) {
	path := writeINI(t, "[server]\nHTPP_ADDR = 0.0.0.0\nHTTP_PORT = 4000\nFETCH_TASK_WAIT = 1s\nCOMPLETELY_ELSE = 1\n[databse]\nPATH = x.db\n[database]\nDB_TYPE = sqlite3\n")
	r, err := Inspect(path, []string{
		"RUNNERHUB__SERVR__HTTP_PORT=5000",
		"RUNNERHUB__SERVER__HTTP_PROT=5000",
		"RUNNERHUB__METRICS__ENABLED=true",
		"RUNNERHUB__NOSEPARATOR=1",
		"OTHER__SERVER__X=1",
	})
	require.NoError(t, err)
	require.NoError(t, r.Err)
	var got []string
	for _, u := range r.Unknown {
		got = append(got, u.String())
	}
	assert.ElementsMatch(t, []string{
		"unknown key HTPP_ADDR in [server] of app.ini: did you mean HTTP_ADDR?",
		"unknown key FETCH_TASK_WAIT in [server] of app.ini: FETCH_TASK_WAIT belongs in [actions]",
		"unknown key COMPLETELY_ELSE in [server] of app.ini",
		"unknown section [databse] in app.ini: did you mean [database]?",
		"unknown variable RUNNERHUB__SERVR__HTTP_PORT: did you mean RUNNERHUB__SERVER__HTTP_PORT?",
		"unknown variable RUNNERHUB__SERVER__HTTP_PROT: did you mean RUNNERHUB__SERVER__HTTP_PORT?",
		"unknown variable RUNNERHUB__NOSEPARATOR: the form is RUNNERHUB__SECTION__KEY",
	}, got)
	assert.Equal(t, 4000, r.Options.Server.HTTPPort, "the misspelt variable changed nothing")
	assert.True(t, r.Options.Metrics.Enabled, "a known variable still applies")

	o, err := Load(path, nil)
	require.NoError(t, err, "without STRICT_CONFIG unknown names are warnings")
	assert.Equal(t, 4000, o.Server.HTTPPort)
	_, err = Load(path, []string{"RUNNERHUB__SERVER__STRICT_CONFIG=true"})
	require.Error(t, err, "STRICT_CONFIG makes them fatal")
	assert.Contains(t, err.Error(), "did you mean HTTP_ADDR?")
	assert.Contains(t, err.Error(), "[databse]")
	_, err = Load(writeINI(t, "[server]\nSTRICT_CONFIG = true\nHTTP_PORT = 4000\n"), []string{"RUNNERHUB__SERVER__HTTP_PORT=1"})
	require.NoError(t, err, "STRICT_CONFIG with only known names loads")
}

// TestReport_HidesSecretsAndListsProblems: config check's output shows every
// known key with its origin, never a secret, and every problem.
func TestReport_HidesSecretsAndListsProblems(t *testing.T) {
	path := writeINI(t, "[database]\nPASSWD = hunter2-db\n[security]\nSECRET_KEY = hunter2-key\n[server]\nHTTP_PORT = 70000\nHTTP_ADR = x\n")
	r, err := Inspect(path, []string{"RUNNERHUB__METRICS__TOKEN=hunter2-metrics"})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, r.Write(&out))
	s := out.String()
	assert.NotContains(t, s, "hunter2")
	assert.Regexp(t, `PASSWD = \(set, hidden\)\s+; app.ini`, s)
	assert.Regexp(t, `TOKEN = \(set, hidden\)\s+; RUNNERHUB__METRICS__TOKEN`, s)
	assert.Regexp(t, `HTTP_ADDR = 127.0.0.1\s+; default`, s)
	assert.Contains(t, s, "2 problem(s)")
	assert.Contains(t, s, "did you mean HTTP_ADDR?")
	assert.Contains(t, s, "HTTP_PORT 70000 is out of range")
	for _, k := range knownKeys() {
		assert.Contains(t, s, "\n"+k.key+" = ", "every known key is printed")
	}
}

// TestKnownKeys_DocumentedInExample: app.example.ini names every key fill
// reads, and nothing else, so it is checked by the same rule.
func TestKnownKeys_DocumentedInExample(t *testing.T) {
	r, err := Inspect(filepath.Join("..", "app.example.ini"), nil)
	require.NoError(t, err)
	assert.Empty(t, r.Unknown)
	cfg, err := ini.Load(filepath.Join("..", "app.example.ini"))
	require.NoError(t, err)
	for _, k := range knownKeys() {
		assert.True(t, cfg.Section(k.section).HasKey(k.key) || strings.Contains(mustRead(t, filepath.Join("..", "app.example.ini")), k.key),
			"[%s] %s is documented", k.section, k.key)
	}
	assert.Greater(t, len(knownKeys()), 50)
}

func mustRead(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestClosest(t *testing.T) {
	assert.Equal(t, "HTTP_ADDR", closest("HTPP_ADDR", []string{"HTTP_PORT", "HTTP_ADDR"}))
	assert.Equal(t, "", closest("XYZ", []string{"HTTP_PORT"}))
	assert.Equal(t, 1, editDistance("ab", "ba"))
	assert.Equal(t, 3, editDistance("", "abc"))
}
