#!/usr/bin/env bash
# Karpenter core with its KWOK cloud provider (sigs.k8s.io/karpenter/kwok), built from the Go
# module proxy: a real node autoscaler that makes KWOK nodes for pending pods from NodePools.
# Its go.mod asks for a newer Go than the machine may have: GOTOOLCHAIN=auto fetches that
# toolchain from the module proxy too. The release's CRDs (karpenter.sh NodePool, NodeClaim,
# NodeOverlay; autoscaling.x-k8s.io CapacityBuffer; karpenter.kwok.sh KWOKNodeClass) are copied
# from the same module into crds/, so the test bed applies exactly what this binary serves.
TOOL_NAME=karpenter
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir karpenter "$KARPENTER_VERSION")

# The module's source, as the proxy served it (read-only files: copies are made writable).
copy_crds() {
  local dir
  dir=$(GOTOOLCHAIN=auto go mod download -json "sigs.k8s.io/karpenter@$KARPENTER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { log "go mod download gave no Dir for sigs.k8s.io/karpenter@$KARPENTER_VERSION"; exit 1; }
  rm -rf "$dest/crds" && mkdir -p "$dest/crds"
  cp "$dir"/pkg/apis/crds/*.yaml "$dir"/kwok/apis/crds/*.yaml "$dest/crds/"
  chmod u+w "$dest"/crds/*.yaml
}

if is_installed "$dest"; then
  # Caches made before the CRDs were copied here get them without a rebuild.
  if [ ! -d "$dest/crds" ]; then copy_crds; done_with "copied the CRDs into $dest/crds (binary cached)"; exit 0; fi
  done_with "cached at $dest/bin"; exit 0
fi
rm -rf "$dest" && mkdir -p "$dest/bin"
GOBIN="$dest/bin" CGO_ENABLED=0 GOTOOLCHAIN=auto go install -trimpath -ldflags='-s -w' "sigs.k8s.io/karpenter/kwok@$KARPENTER_VERSION"
mv "$dest/bin/kwok" "$dest/bin/karpenter-kwok"
copy_crds
mark_installed "$dest"
done_with "go install sigs.k8s.io/karpenter/kwok@$KARPENTER_VERSION into $dest/bin/karpenter-kwok, CRDs into $dest/crds"
