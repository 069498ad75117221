#!/usr/bin/env bash
# Node.js 24 LTS and npm, from the npm registry (the machine's own node may be older, and the
# registry is the one source of Node builds reachable here): node-linux-<arch>@NODE_VERSION
# holds the official bin/node; npm@NPM_VERSION is npm itself. Each tarball's integrity is
# checked against the pin in versions.env before it is unpacked.
TOOL_NAME=node
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir node "v$NODE_VERSION")
if is_installed "$dest"; then done_with "cached at $dest/bin"; exit 0; fi
case "$(uname -m)" in
  x86_64) arch=x64; node_integrity=$NODE_INTEGRITY_X64 ;;
  aarch64|arm64) arch=arm64; node_integrity=$NODE_INTEGRITY_ARM64 ;;
  *) log "no Node build pinned for $(uname -m)"; exit 1 ;;
esac
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# fetch <package@version> <integrity>: the registry tarball into $work, refused unless its integrity is the pin.
fetch() {
  local got
  got=$(cd "$work" && npm pack "$1" --json --silent | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["integrity"])')
  if [ "$got" != "$2" ]; then log "$1: integrity $got is not the pinned $2"; exit 1; fi
}
fetch "node-linux-$arch@$NODE_VERSION" "$node_integrity"
fetch "npm@$NPM_VERSION" "$NPM_INTEGRITY"

rm -rf "$dest" && mkdir -p "$dest/bin" "$dest/lib/node_modules/npm"
tar -xzf "$work/node-linux-$arch-$NODE_VERSION.tgz" -C "$work"
install -m 0755 "$work/package/bin/node" "$dest/bin/node"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$dest/lib/node_modules/npm" --strip-components=1
# npm's own scripts start with `#!/usr/bin/env node`: with $dest/bin first on PATH, that is this node.
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dest/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dest/bin/npx"
"$dest/bin/node" --version > /dev/null
mark_installed "$dest"
done_with "node $("$dest/bin/node" --version) and npm $(PATH="$dest/bin:$PATH" npm --version) into $dest/bin"
