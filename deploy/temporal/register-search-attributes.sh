#!/bin/sh
# Registers eksflow's search attributes in its namespace, then exits: the one-shot
# `temporal-search-attributes` service of docker-compose.yml, run in temporalio/admin-tools.
#
#   register-search-attributes.sh --name EksflowTenant --type Keyword [--name ... --type ...]
#
# The arguments go to `temporal operator search-attribute create` as they are, so the list
# lives in one place (the service's `command`, which test/deploy/compose.test.ts checks
# against src/domain/search-attributes.ts). Safe to re-run: the server skips attributes the
# namespace already has, and the check at the end compares names and types.
#
# Environment: TEMPORAL_ADDRESS (host:port of the frontend), TEMPORAL_NAMESPACE,
# NAMESPACE_RETENTION (used only when this script has to create the namespace),
# RETRY_ATTEMPTS (each step is tried this often, 2 s apart, before the job fails).
set -eu

address=${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is not set}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${NAMESPACE_RETENTION:-168h}
attempts=${RETRY_ATTEMPTS:-60}

[ $# -gt 0 ] || { echo 'no search attributes given (expected --name N --type T pairs)' >&2; exit 2; }

# The CLI on Alpine has been seen to fail on the service name where the IPv4 address works.
host=${address%:*}
port=${address##*:}
ip=$(getent ahosts "$host" 2>/dev/null | awk '$1 ~ /^[0-9.]+$/ { print $1; exit }') || true
[ -n "${ip:-}" ] && address="$ip:$port"

retry() {
  what=$1
  shift
  i=1
  until "$@" >/dev/null 2>&1; do
    if [ "$i" -ge "$attempts" ]; then
      echo "gave up: $what (after $attempts attempts); last try:" >&2
      "$@" >&2 || true
      exit 1
    fi
    i=$((i + 1))
    sleep 2
  done
}

namespace_ready() {
  # auto-setup registers its DEFAULT_NAMESPACE in the background; another name is made here.
  temporal operator namespace describe --address "$address" --namespace "$namespace" ||
    temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention" \
      --description 'eksflow environments'
  temporal operator namespace describe --address "$address" --namespace "$namespace"
}

echo "waiting for the Temporal frontend at $address"
retry 'Temporal frontend health' temporal operator cluster health --address "$address"
echo "ensuring namespace $namespace"
retry "namespace $namespace" namespace_ready

echo "registering search attributes in $namespace: $*"
retry 'search-attribute create' temporal operator search-attribute create --address "$address" --namespace "$namespace" "$@"

# Each --name must now be listed with its --type. A name registered earlier with another type
# is skipped by the server, not changed, so this is where that mistake surfaces.
registered() {
  listing=$(temporal operator search-attribute list --address "$address" --namespace "$namespace") || return 1
  while [ $# -gt 0 ]; do
    case $1 in
      --name) name=$2 ;;
      --type)
        found=$(printf '%s\n' "$listing" | awk -v n="$name" '$1 == n { print $2; exit }')
        if [ "$found" != "$2" ]; then
          echo "search attribute $name is ${found:-missing}, expected $2" >&2
          return 1
        fi
        ;;
    esac
    shift 2
  done
}
retry 'search attributes listed with their types' registered "$@"
echo "search attributes registered in $namespace"
