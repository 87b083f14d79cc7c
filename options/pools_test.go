package options

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad_Pools(t *testing.T) {
	path := writeINI(t, `
[provisioner.linux]
SCOPE = octo/app
LABELS = ubuntu-latest:docker://node:20, linux
MIN_IDLE = 1
MAX_RUNNERS = 4
START_COMMAND = contrib/provisioner/process.sh
STOP_COMMAND = kill-it
START_TIMEOUT = 30s
[provisioner.gpu]
SCOPE = acme
GROUP = gpus
LABELS = gpu
START_COMMAND = start-gpu
`)
	r, err := Inspect(path, []string{"RUNNERHUB__PROVISIONER.GPU__MAX_RUNNERS=3"})
	require.NoError(t, err)
	require.NoError(t, r.Fatal())
	assert.Empty(t, r.Unknown, "pool sections are not unknown sections")
	require.Len(t, r.Options.Pools, 2)
	assert.Equal(t, Pool{Name: "linux", Scope: "octo/app", Labels: []string{"ubuntu-latest:docker://node:20", "linux"},
		MinIdle: 1, MaxRunners: 4, StartCommand: "contrib/provisioner/process.sh", StopCommand: "kill-it", StartTimeout: 30 * time.Second},
		r.Options.Pools[0])
	assert.Equal(t, Pool{Name: "gpu", Scope: "acme", Group: "gpus", Labels: []string{"gpu"}, MaxRunners: 3,
		StartCommand: "start-gpu", StartTimeout: DefaultPoolTime}, r.Options.Pools[1], "defaults, and the environment's MAX_RUNNERS")

	var shown []string
	for _, s := range r.Settings {
		if s.Section == "provisioner.gpu" {
			shown = append(shown, s.Key+"="+s.Value()+" ("+s.Origin+")")
		}
	}
	assert.Contains(t, shown, "MAX_RUNNERS=3 (RUNNERHUB__PROVISIONER.GPU__MAX_RUNNERS)", "config check shows a pool's settings")
	assert.Contains(t, shown, "LABELS=gpu (app.ini)")
}

// Every refusal names the section and the key, and is fatal whether or not
// STRICT_CONFIG is set.
func TestLoad_PoolRefusals(t *testing.T) {
	const good = "LABELS = linux\nSTART_COMMAND = run\n"
	for _, c := range []struct{ name, body, want string }{
		{"unknown key", "[provisioner.p]\n" + good + "MAX_RUNNER = 2\n", "[provisioner.p] MAX_RUNNER: unknown key: did you mean MAX_RUNNERS?"},
		{"unknown key, no suggestion", "[provisioner.p]\n" + good + "IMAGE = x\n", "[provisioner.p] IMAGE: unknown key; a pool has SCOPE, GROUP"},
		{"max below min", "[provisioner.p]\n" + good + "MIN_IDLE = 3\nMAX_RUNNERS = 2\n", "[provisioner.p] MAX_RUNNERS: 2 is below MIN_IDLE 3"},
		{"empty start command", "[provisioner.p]\nLABELS = linux\nSTART_COMMAND =  \n", "[provisioner.p] START_COMMAND: empty"},
		{"no start command", "[provisioner.p]\nLABELS = linux\n", "[provisioner.p] START_COMMAND: empty"},
		{"no labels", "[provisioner.p]\nSTART_COMMAND = run\nLABELS = ,\n", "[provisioner.p] LABELS: a pool needs at least one label"},
		{"zero max", "[provisioner.p]\n" + good + "MAX_RUNNERS = 0\n", "[provisioner.p] MAX_RUNNERS: 0 is not between 1 and 1000"},
		{"negative min", "[provisioner.p]\n" + good + "MIN_IDLE = -1\n", "[provisioner.p] MIN_IDLE: -1 is negative"},
		{"not a number", "[provisioner.p]\n" + good + "MAX_RUNNERS = many\n", "[provisioner.p] MAX_RUNNERS: "},
		{"bad scope", "[provisioner.p]\n" + good + "SCOPE = a/b/c\n", `[provisioner.p] SCOPE: "a/b/c" is not empty`},
		{"group of a repository", "[provisioner.p]\n" + good + "SCOPE = a/b\nGROUP = g\n", "[provisioner.p] GROUP: a repository's runners are in no runner group"},
		{"timeout", "[provisioner.p]\n" + good + "START_TIMEOUT = 0s\n", "[provisioner.p] START_TIMEOUT: 0s is not positive"},
		{"name", "[provisioner.Big Pool]\n" + good, "[provisioner.Big Pool]: a pool's name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(writeINI(t, "[server]\nSTRICT_CONFIG = false\n"+c.body), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
