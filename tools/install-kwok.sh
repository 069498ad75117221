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
  # The stage definitions only: not their test data, Go embeds or kustomizations.
  (cd "$moddir/kustomize/stage" && find . -name '*.yaml' ! -path '*/testdata/*' ! -name kustomization.yaml) |
    while read -r f; do install -D -m 0644 "$moddir/kustomize/stage/$f" "$dest/stage/$f"; done
  log "copied $(find "$dest/stage" -name '*.yaml' | wc -l) stage definitions into $dest/stage"
fi
