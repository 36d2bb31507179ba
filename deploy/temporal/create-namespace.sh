#!/bin/sh
# Registers the namespace the API and the worker use (temporalio/server creates none by itself; the deprecated
# auto-setup image used to), as temporalio/samples-server compose/scripts/create-namespace.sh does. An existing
# namespace is left as it is, retention included: change that with `temporal operator namespace update`.
set -eu

NAMESPACE="${DEFAULT_NAMESPACE:-default}"
RETENTION="${NAMESPACE_RETENTION:-720h}"
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"

echo "waiting for the Temporal frontend at ${TEMPORAL_ADDRESS}"
attempt=1
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do
  if [ "$attempt" -ge 12 ]; then
    echo "Temporal did not report SERVING after $attempt attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 5
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace '$NAMESPACE' already exists"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --retention "$RETENTION"
  echo "namespace '$NAMESPACE' created (retention $RETENTION)"
fi
