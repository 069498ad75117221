#!/usr/bin/env bash
# KWOK simulates nodes and pod lifecycles against a real apiserver. Its stage
# definitions (node-initialize, heartbeats, pod ready/complete/delete) ship in the
# module's kustomize/stage/ and are copied beside the binary.
TOOL_NAME=kwok
source "$(dirname "$0")/lib.sh"
go_install kwok "$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
dest=$(cache_dir kwok "$KWOK_VERSION")
if [ ! -d "$dest/stage" ]; then
  moddir=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$dest/stage" && cp -r "$moddir/kustomize/stage/." "$dest/stage/" && chmod -R u+w "$dest/stage"
  log "copied stages: $(cd "$dest/stage" && find . -name '*.yaml' | sort | tr '\n' ' ')"
fi
