// Package systemd holds the unit file operators install; its test checks the
// file with systemd's own tools where the machine has them.
package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUnit_VerifiesAndIsHardened runs `systemd-analyze verify` on the unit
// (with ExecStart pointing at a binary that exists here) and requires its
// offline security exposure to stay at 2.0 or below ("OK").
func TestUnit_VerifiesAndIsHardened(t *testing.T) {
	unit, err := os.ReadFile("runnerhub.service")
	require.NoError(t, err)
	self, err := os.Executable()
	require.NoError(t, err)
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/runnerhub", self)
	require.NotEqual(t, string(unit), text, "ExecStart names /usr/local/bin/runnerhub")
	for _, directive := range []string{"DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict",
		"CapabilityBoundingSet=\n", "SystemCallFilter=@system-service", "StateDirectory=runnerhub"} {
		require.Contains(t, text, directive)
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	path := filepath.Join(t.TempDir(), "runnerhub.service")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))

	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "verify warns")

	out, err = exec.Command(analyze, "security", "--offline=true", "--threshold=20", path).CombinedOutput()
	require.NoError(t, err, "exposure above 2.0:\n%s", out)
}
