#!/usr/bin/env bash
# Karpenter core with its KWOK cloud provider (sigs.k8s.io/karpenter/kwok), built from the Go
# module proxy: a real node autoscaler that makes KWOK nodes for pending pods from NodePools.
# Its go.mod asks for a newer Go than the machine may have: GOTOOLCHAIN=auto fetches that
# toolchain from the module proxy too.
TOOL_NAME=karpenter
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir karpenter "$KARPENTER_VERSION")
if is_installed "$dest"; then done_with "cached at $dest/bin"; exit 0; fi
rm -rf "$dest" && mkdir -p "$dest/bin"
GOBIN="$dest/bin" CGO_ENABLED=0 GOTOOLCHAIN=auto go install -trimpath -ldflags='-s -w' "sigs.k8s.io/karpenter/kwok@$KARPENTER_VERSION"
mv "$dest/bin/kwok" "$dest/bin/karpenter-kwok"
mark_installed "$dest"
done_with "go install sigs.k8s.io/karpenter/kwok@$KARPENTER_VERSION into $dest/bin/karpenter-kwok"
