#!/bin/sh
# garm-setup.sh points a GARM (cloudbase/garm) at Runnerhub, which GARM
# drives as a Gitea forge. It runs garm-cli against a GARM that was already
# initialised (garm-cli init), and creates:
#   - a Gitea endpoint whose base URL is Runnerhub's ROOT_URL: GARM finds the
#     endpoint of a workflow_job delivery by the scheme and host of its
#     workflow_job.html_url;
#   - PAT credentials: RUNNERHUB_TOKEN, a Runnerhub access token of a user who
#     owns ORG (or of an admin, for an instance-wide pool);
#   - the organization (or, with ORG unset, the whole instance as a GARM
#     "forge instance"), with GARM installing its own webhook through
#     Runnerhub's /orgs/{org}/hooks (or /admin/hooks);
#   - one pool for the jobs whose runs-on is LABELS.
# Runnerhub must be allowed to reach GARM's webhook URL: see
# [webhook] ALLOWED_HOST_LIST.
#
#   RUNNERHUB_URL=https://runnerhub.example.com/ RUNNERHUB_TOKEN=... ORG=acme \
#   PROVIDER=lxd_local IMAGE=ubuntu:24.04 FLAVOR=default LABELS=ubuntu-latest \
#     ./garm-setup.sh
set -eu

: "${RUNNERHUB_URL:?the ROOT_URL of Runnerhub, e.g. https://runnerhub.example.com/}"
: "${RUNNERHUB_TOKEN:?a Runnerhub access token for GARM}"
ENDPOINT=${ENDPOINT:-runnerhub}
CREDENTIALS=${CREDENTIALS:-runnerhub-token}
PROVIDER=${PROVIDER:-lxd_local}
IMAGE=${IMAGE:-ubuntu:24.04}
FLAVOR=${FLAVOR:-default}
LABELS=${LABELS:-ubuntu-latest}
MAX_RUNNERS=${MAX_RUNNERS:-5}
ORG=${ORG:-}

garm-cli gitea endpoint create \
  --name "$ENDPOINT" \
  --description "Runnerhub" \
  --base-url "$RUNNERHUB_URL" \
  --api-base-url "$RUNNERHUB_URL"

garm-cli gitea credentials add \
  --endpoint "$ENDPOINT" \
  --name "$CREDENTIALS" \
  --description "Runnerhub access token" \
  --auth-type pat \
  --pat-oauth-token "$RUNNERHUB_TOKEN"

if [ -n "$ORG" ]; then
  garm-cli org add --name "$ORG" --credentials "$CREDENTIALS" \
    --random-webhook-secret --install-webhook
  ENTITY=$(garm-cli org list --format json | jq -r --arg n "$ORG" '.[] | select(.name == $n) | .id')
  SCOPE="--org $ENTITY"
else
  garm-cli forge-instance add --forge-type gitea --credentials "$CREDENTIALS" --endpoint "$ENDPOINT" \
    --random-webhook-secret --install-webhook
  SCOPE="--forge-instance gitea"
fi

# shellcheck disable=SC2086 # SCOPE is two words on purpose
garm-cli pool add $SCOPE \
  --provider-name "$PROVIDER" --image "$IMAGE" --flavor "$FLAVOR" \
  --tags "$LABELS" --os-type linux --os-arch amd64 \
  --enabled=true --min-idle-runners=0 --max-runners="$MAX_RUNNERS"
