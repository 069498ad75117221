#!/usr/bin/env bash
# etcd from a wrapper module around go.etcd.io/etcd/server/v3's etcdmain, because the
# etcd command lives in a module whose go.mod replaces its siblings with local paths.
TOOL_NAME=etcd
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir etcd "$ETCD_VERSION")
if is_installed "$dest"; then done_with "cached at $dest/bin"; exit 0; fi
rm -rf "$dest" && mkdir -p "$dest/src" "$dest/bin" && cd "$dest/src"
cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
go mod init eksflow.local/etcd-wrapper >/dev/null 2>&1
go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" 2>&1 | grep -vE '^go: (downloading|upgraded|added|finding)' >&2 || true
go mod tidy 2>&1 | grep -vE '^go: (downloading|upgraded|added|finding)' >&2 || true
grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" go.mod || { log "go.mod does not pin etcd $ETCD_VERSION"; exit 1; }
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dest/bin/etcd" .
"$dest/bin/etcd" --version >&2
mark_installed "$dest"
done_with "built etcd $ETCD_VERSION into $dest/bin"
