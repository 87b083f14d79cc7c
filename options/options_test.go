package options

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad_ExampleFileMatchesDefaults(t *testing.T) {
	o, err := Load(filepath.Join("..", "app.example.ini"), nil)
	require.NoError(t, err)
	assert.Equal(t, Default(), o, "app.example.ini documents the defaults")
}

func TestLoad_NoFileGivesDefaults(t *testing.T) {
	o, err := Load("", nil)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:3000", o.Server.ListenAddr())
	assert.Equal(t, "sqlite3", o.Database.Type)
}

func TestLoad_FileAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.ini")
	require.NoError(t, os.WriteFile(path, []byte(`
[server]
HTTP_PORT = 4000
[database]
DB_TYPE = postgres
HOST = 127.0.0.1:5432
NAME = rh
USER = rh
[actions]
EPHEMERAL_LOG_GRACE = 30s
LEGACY_LOG_PATH = /srv/gitea/data/actions_log
[accounts]
SOURCE = gitea
`), 0o600))
	o, err := Load(path, []string{"RUNNERHUB__SERVER__HTTP_PORT=5000", "RUNNERHUB__database__passwd=pw", "OTHER=1"})
	require.NoError(t, err)
	assert.Equal(t, 5000, o.Server.HTTPPort, "the environment overrides the file")
	assert.Equal(t, "postgres", o.Database.Type)
	assert.Equal(t, "pw", o.Database.Passwd)
	assert.Equal(t, 30*time.Second, o.Actions.EphemeralLogGrace)
	assert.Equal(t, "/srv/gitea/data/actions_log", o.Actions.LegacyLogPath)
	assert.Equal(t, AccountsGitea, o.Accounts.Source)
}

func TestLoad_RegistrationTokenFromEnvOrFile(t *testing.T) {
	o, err := Load("", []string{"GITEA_RUNNER_REGISTRATION_TOKEN=abc"})
	require.NoError(t, err)
	assert.Equal(t, "abc", o.Actions.RegistrationToken)

	f := filepath.Join(t.TempDir(), "tok")
	require.NoError(t, os.WriteFile(f, []byte("fromfile\n"), 0o600))
	o, err = Load("", []string{"RUNNERHUB_RUNNER_REGISTRATION_TOKEN_FILE=" + f})
	require.NoError(t, err)
	assert.Equal(t, "fromfile", o.Actions.RegistrationToken)

	_, err = Load("", []string{"RUNNERHUB_RUNNER_REGISTRATION_TOKEN_FILE=/nonexistent/tok"})
	assert.Error(t, err)
}

func TestLoad_RejectsBadValues(t *testing.T) {
	for name, env := range map[string]string{
		"bad port":     "RUNNERHUB__SERVER__HTTP_PORT=70000",
		"not a number": "RUNNERHUB__SERVER__HTTP_PORT=abc",
		"bad duration": "RUNNERHUB__ACTIONS__EPHEMERAL_LOG_GRACE=soon",
		"bad db type":  "RUNNERHUB__DATABASE__DB_TYPE=oracle",
		"pg no host":   "RUNNERHUB__DATABASE__DB_TYPE=postgres",
		"bad proxy":    "RUNNERHUB__SERVER__TRUSTED_PROXIES=10.0.0.0/8,proxy.example",
		"bad accounts": "RUNNERHUB__ACCOUNTS__SOURCE=ldap",
		"payload cap":  "RUNNERHUB__ACTIONS__MAX_RUN_PAYLOAD_BYTES=0",
		"set cap":      "RUNNERHUB__ACTIONS__MAX_LABEL_SETS_PER_OWNER=-1",
		"series":       "RUNNERHUB__METRICS__MAX_LABEL_SET_SERIES=-1",
		"sets removed": "RUNNERHUB__ACTIONS__REMOVE_UNUSED_LABEL_SETS_AFTER=2m",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load("", []string{env})
			assert.Error(t, err)
		})
	}
}

func TestLoad_TrustedProxies(t *testing.T) {
	o, err := Load("", []string{"RUNNERHUB__SERVER__TRUSTED_PROXIES=10.0.0.0/8, 192.0.2.7 2001:db8::1/64,::ffff:198.51.100.1"})
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("2001:db8::/64"), netip.MustParsePrefix("198.51.100.1/32"),
	}, o.Server.TrustedProxies)
}
