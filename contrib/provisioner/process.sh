#!/bin/sh
# START_COMMAND for a Runnerhub pool: one act_runner as a plain process of
# the server's user, in a fresh work folder that is removed when it ends.
#
#   [provisioner.linux]
#   LABELS        = linux:host
#   START_COMMAND = /usr/local/share/runnerhub/process.sh
#
# Runnerhub gives it RUNNERHUB_JIT_CONFIG (act_runner's .runner file,
# base64) and RUNNERHUB_RUNNER_NAME. The runner is ephemeral: it takes one
# job, Runnerhub retires it, and act_runner exits. ACT_RUNNER names the
# binary when it is not act_runner on PATH. This gives no isolation: a job
# runs as the server's user. Use docker.sh or nspawn.sh for jobs you do
# not trust.
set -eu
work=$(mktemp -d "${TMPDIR:-/tmp}/runnerhub-${RUNNERHUB_RUNNER_NAME:?}.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 143' TERM INT
cd "$work"
umask 077
printf '%s' "${RUNNERHUB_JIT_CONFIG:?}" | base64 -d > .runner
"${ACT_RUNNER:-act_runner}" daemon
