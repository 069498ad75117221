#!/usr/bin/env bash
# kube-apiserver, kube-controller-manager and kube-scheduler, built from the published
# k8s.io/kubernetes module. That module replaces its staging modules with local paths,
# which a dependent module cannot see, so a wrapper module points each one at its
# published k8s.io/<m> release instead.
TOOL_NAME=kubernetes
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir kubernetes "$KUBERNETES_VERSION")
if is_installed "$dest"; then done_with "cached at $dest"; exit 0; fi

work="$dest/src"
rm -rf "$dest" && mkdir -p "$work/bin"
cd "$work"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" > module.json
upstream_mod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' module.json)
go mod init eksflow.local/kube-wrapper >/dev/null 2>&1
go mod edit -go="$(sed -n 's/^go //p' "$upstream_mod")" -require="k8s.io/kubernetes@$KUBERNETES_VERSION"
# Every `k8s.io/<m> => ./staging/...` line of the upstream go.mod becomes a pinned replace.
staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$upstream_mod")
for m in $staging; do go mod edit -replace="$m=$m@$KUBERNETES_STAGING_VERSION"; done
log "wrapper module replaces $(echo "$staging" | wc -w) staging modules with $KUBERNETES_STAGING_VERSION"

cmds="kube-apiserver kube-controller-manager kube-scheduler"
# Each command at the pinned version: a bare `go get` would move to the newest release.
pkgs=$(for c in $cmds; do printf 'k8s.io/kubernetes/cmd/%s@%s ' "$c" "$KUBERNETES_VERSION"; done)
# shellcheck disable=SC2086
go get $pkgs 2>&1 | grep -vE '^go: (downloading|upgraded|added|finding)' >&2 || true
grep -q "k8s.io/kubernetes $KUBERNETES_VERSION" go.mod || { log "go.mod does not pin k8s.io/kubernetes $KUBERNETES_VERSION"; exit 1; }
minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean"
for c in $cmds; do
  t0=$(date +%s)
  go build -trimpath -ldflags "$ldflags" -o "$dest/bin/$c" "k8s.io/kubernetes/cmd/$c"
  log "built $c in $(( $(date +%s) - t0 ))s"
done
"$dest/bin/kube-apiserver" --version >&2
mark_installed "$dest"
done_with "installed $cmds $KUBERNETES_VERSION into $dest/bin"
