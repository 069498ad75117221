#!/usr/bin/env bash
# metrics-server serves metrics.k8s.io from each node's /metrics/resource; in the test bed
# KWOK emulates those endpoints. Its go.mod has no `replace`, so `go install` builds it.
# Beside it go KWOK's own resource-usage emulation files, from the module at KWOK_VERSION:
# the Metric that shapes kubelet's /metrics/resource, and the ResourceUsage and
# ClusterResourceUsage CRDs through which tests set each pod's CPU and memory.
TOOL_NAME=metrics-server
source "$(dirname "$0")/lib.sh"
go_install metrics-server "$METRICS_SERVER_VERSION" "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION"
kwok_files="$(cache_dir metrics-server "$METRICS_SERVER_VERSION")/kwok-$KWOK_VERSION"
if [ ! -d "$kwok_files" ]; then
  moddir=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$kwok_files.tmp/crd"
  install -m 0644 "$moddir/kustomize/metrics/resource/metrics-resource.yaml" "$kwok_files.tmp/"
  for kind in resourceusages clusterresourceusages; do
    install -m 0644 "$moddir/kustomize/crd/bases/kwok.x-k8s.io_$kind.yaml" "$kwok_files.tmp/crd/"
  done
  mv "$kwok_files.tmp" "$kwok_files"
  log "copied KWOK's metrics-resource Metric and resource-usage CRDs into $kwok_files"
fi
