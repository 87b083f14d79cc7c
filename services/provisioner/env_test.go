package provisioner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	"code.runnerhub.dev/runnerhub/options"
)

// A pool's commands get the runner's identity and what finds programs, not
// the server's secrets, whatever its environment holds.
func TestEnv_CarriesTheRunnerNotTheServersSecrets(t *testing.T) {
	t.Setenv("RUNNERHUB__SECURITY__SECRET_KEY", "server-secret")
	t.Setenv("RUNNERHUB__DATABASE__PASSWD", "db-password")
	t.Setenv("GITEA_RUNNER_REGISTRATION_TOKEN", "reg-token")
	t.Setenv("PATH", "/usr/bin:/bin")
	p := &Provisioner{deps: Deps{RootURL: "https://ci.example/"}}
	pl := &pool{Pool: options.Pool{Name: "linux", Labels: []string{"linux:host", "x64"}}}
	env := strings.Join(p.env(pl, &pool_model.Runner{RunnerID: 7, RunnerName: "linux-3"}, "CONFIG"), "\n")
	for _, want := range []string{"PATH=/usr/bin:/bin", "RUNNERHUB_JIT_CONFIG=CONFIG", "RUNNERHUB_RUNNER_NAME=linux-3",
		"RUNNERHUB_RUNNER_ID=7", "RUNNERHUB_LABELS=linux:host,x64", "RUNNERHUB_INSTANCE_URL=https://ci.example", "RUNNERHUB_POOL=linux"} {
		assert.Contains(t, env, want)
	}
	for _, secret := range []string{"server-secret", "db-password", "reg-token"} {
		assert.NotContains(t, env, secret)
	}
	stop := strings.Join(p.env(pl, &pool_model.Runner{RunnerID: 7, RunnerName: "linux-3"}, ""), "\n")
	assert.NotContains(t, stop, "RUNNERHUB_JIT_CONFIG", "STOP_COMMAND gets no credential")
}

func TestTail_KeepsTheLastLines(t *testing.T) {
	tl := newTail(3)
	_, _ = tl.Write([]byte("one\ntwo\nthree\nfour\nfi"))
	_, _ = tl.Write([]byte("ve " + strings.Repeat("x", 2*maxTailLineBytes)))
	got := strings.Split(tl.String(), "\n")
	assert.Equal(t, []string{"three", "four"}, got[:2])
	assert.Len(t, got[2], maxTailLineBytes, "a long line is cut")
}
