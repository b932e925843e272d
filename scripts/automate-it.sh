#!/usr/bin/env bash
# Automate it: create a Consul cluster through the REST API, follow its deployment live,
# then destroy it. Exactly the commands of docs/automate-it.md; exits non-zero on any failure.
#
#   PORTAL_URL=http://localhost:5000 PORTAL_TOKEN=pat_... scripts/automate-it.sh
#
# Needs bash and curl (7.76 or later, for --fail-with-body). CLUSTER_NAME overrides the name;
# PORTAL_TEAM names the owning team (needed when the token's owner is in several teams, or none).
set -euo pipefail

: "${PORTAL_URL:?Set PORTAL_URL to the portal, e.g. http://localhost:5000}"
: "${PORTAL_TOKEN:?Set PORTAL_TOKEN to a personal access token (pat_...)}"
PORTAL_URL="${PORTAL_URL%/}"
NAME="${CLUSTER_NAME:-automate-$(date +%s)}"
TEAM_FIELD=""
[ -n "${PORTAL_TEAM:-}" ] && TEAM_FIELD=", \"team\": \"$PORTAL_TEAM\""

headers="$(mktemp)"
trap 'rm -f "$headers"' EXIT

api() { curl --silent --show-error --fail-with-body -H "Authorization: Bearer $PORTAL_TOKEN" "$@"; }
location() { grep -i '^location:' "$headers" | tr -d '\r' | cut -d' ' -f2; }
state() { api "$PORTAL_URL$1" | grep -o '"state":"[a-z]*"' | head -n 1 | cut -d'"' -f4; }

follow() {
  # Server-Sent Events: one 'event:'/'data:' pair per step; the stream closes after the operation's last event.
  api -N -H 'Accept: text/event-stream' "$PORTAL_URL$1/events"
  local final
  final="$(state "$1")"
  echo "==> operation $1 $final"
  [ "$final" = succeeded ]
}

echo "==> creating cluster $NAME"
api -D "$headers" -X POST "$PORTAL_URL/api/v1/clusters" \
  -H 'Content-Type: application/json' \
  -H "Idempotency-Key: $NAME-$(date +%s)-$$" \
  -d "{\"name\": \"$NAME\", \"clientCount\": 3$TEAM_FIELD}"
echo
create="$(location)"
follow "$create"

echo "==> destroying cluster $NAME"
api -D "$headers" -X DELETE "$PORTAL_URL/api/v1/clusters/$NAME"
echo
destroy="$(location)"
follow "$destroy"
