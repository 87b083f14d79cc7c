//go:build !unix

package provisioner

import "os/exec"

func ownProcessGroup(*exec.Cmd) {}

// signalGroup kills the command itself: without process groups, what it
// started is left to end when its runner is removed.
func signalGroup(cmd *exec.Cmd, _ bool) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
