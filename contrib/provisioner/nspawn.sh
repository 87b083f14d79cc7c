#!/bin/sh
# START_COMMAND for a Runnerhub pool: one act_runner per job in an
# ephemeral systemd-nspawn container, with the hardening of a host runner
# under systemd-nspawn, and throwaway: every job starts from the same
# clean tree, so caches and workspaces cannot be poisoned for the next.
#
#   [provisioner.nspawn]
#   LABELS        = linux:host
#   START_COMMAND = /usr/local/share/runnerhub/nspawn.sh
#
# The tree (RUNNER_TREE, default /var/lib/machines/runner) is a Debian
# install with act_runner in /usr/local/bin, a user "runner", and
# systemd-networkd enabled. Runnerhub must run as root for nspawn (not
# under the shipped runnerhub.service, whose sandbox forbids it).
#
#   --ephemeral              a snapshot of the tree, deleted when it exits
#   --read-only              the root cannot be written; /work is a tmpfs
#   --drop-capability=all    no capabilities, and --no-new-privileges
#   --private-users=pick     container root is an unprivileged host uid
#   --network-veth           a private network namespace: a veth pair to
#                            the host (configure its NAT and DNS as for
#                            any nspawn container), no host services
#   --system-call-filter     only the syscall groups a job needs
#   no --bind                no host files at all; the JIT config comes in
#                            the environment
set -eu
tree=${RUNNER_TREE:-/var/lib/machines/runner}
exec systemd-nspawn --quiet --ephemeral --directory="$tree" \
  --machine="rh-${RUNNERHUB_RUNNER_ID:?}" \
  --read-only --tmpfs=/work:mode=0755,uid=1000 --tmpfs=/tmp \
  --drop-capability=all --no-new-privileges=yes \
  --private-users=pick --private-users-ownership=auto \
  --network-veth \
  --system-call-filter='@system-service @process @basic-io @file-system @network-io @signal @ipc' \
  --register=no --as-pid2 \
  --user=runner --chdir=/work \
  --setenv=RUNNERHUB_JIT_CONFIG="${RUNNERHUB_JIT_CONFIG:?}" \
  /bin/sh -c 'printf "%s" "$RUNNERHUB_JIT_CONFIG" | base64 -d > .runner && unset RUNNERHUB_JIT_CONFIG && exec act_runner daemon'
