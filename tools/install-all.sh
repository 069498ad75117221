#!/usr/bin/env bash
# Installs every test-bed peer, each into its own cache. Downloads (apt, PyPI, Maven) run
# beside the Go builds, which take the CPU; every installer prints its own timing line.
set -euo pipefail
cd "$(dirname "$0")"
t0=$(date +%s)
logs=$(mktemp -d)
downloads=(apt moto temporal-test-server)
# charts after helm: a chart missing from the mirror is pulled with it.
builds=(kubernetes etcd kwok helm charts temporal-cli metrics-server vpa karpenter)

for name in "${downloads[@]}"; do bash "install-$name.sh" > "$logs/$name.log" 2>&1 & pids[$!]=$name; done
status=0
for name in "${builds[@]}"; do bash "install-$name.sh" 2>&1 | grep -v '^go: downloading' || status=1; done
for pid in "${!pids[@]}"; do
  wait "$pid" || { echo "[tools] ${pids[$pid]} failed:"; status=1; }
  cat "$logs/${pids[$pid]}.log"
done
rm -rf "$logs"
echo "[tools] all installers finished in $(( $(date +%s) - t0 ))s (status $status)"
exit $status
