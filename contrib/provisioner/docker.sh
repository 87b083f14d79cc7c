#!/bin/sh
# START_COMMAND for a Runnerhub pool: one act_runner in a throwaway,
# locked-down container per job.
#
#   [provisioner.docker]
#   LABELS        = linux:host
#   START_COMMAND = /usr/local/share/runnerhub/docker.sh
#   STOP_COMMAND  = docker rm -f "runnerhub-$RUNNERHUB_RUNNER_NAME"
#
# --rm: the container and everything the job wrote go when it ends.
# --read-only, --cap-drop ALL, no-new-privileges: the job cannot change the
# image, gain a capability or use a setuid binary; it writes only to the
# tmpfs work folder. The JIT config is passed in the environment, never a
# file on the host. Jobs run in the container itself (labels ":host"):
# there is no Docker socket inside. RUNNER_IMAGE is an image with
# act_runner and the tools your jobs need (the official runner image
# works for shell steps).
set -eu
exec docker run --rm --read-only --cap-drop ALL \
  --security-opt no-new-privileges \
  --pids-limit 1024 --memory "${RUNNER_MEMORY:-4g}" --cpus "${RUNNER_CPUS:-2}" \
  --tmpfs /tmp:rw,nosuid,nodev,size=256m \
  --tmpfs /work:rw,nosuid,nodev,exec,size=${RUNNER_WORK_SIZE:-4g},uid=1000,gid=1000 \
  --user 1000:1000 --workdir /work \
  --name "runnerhub-${RUNNERHUB_RUNNER_NAME:?}" \
  --label runnerhub.pool="${RUNNERHUB_POOL:-}" \
  -e RUNNERHUB_JIT_CONFIG \
  --entrypoint /bin/sh \
  "${RUNNER_IMAGE:-docker.io/gitea/act_runner:latest}" \
  -c 'printf "%s" "$RUNNERHUB_JIT_CONFIG" | base64 -d > .runner && unset RUNNERHUB_JIT_CONFIG && exec act_runner daemon'
