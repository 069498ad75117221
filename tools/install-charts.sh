#!/usr/bin/env bash
# The real packaged Helm charts eksflow pins (tools/charts.lock), into the tools cache as
# charts/<name>-<version>.tgz, each refused unless its SHA-256 is the pinned one. From
# EKSFLOW_CHART_MIRROR, a folder of packaged charts (CI: ../shared/upstream/charts, which is
# also the default when it sits beside the repository), else `helm pull` from the chart's own
# repository where there is internet.
TOOL_NAME=charts
source "$(dirname "$0")/lib.sh"
repo_root="$(cd "$TOOLS_DIR/.." && pwd)"
mirror="${EKSFLOW_CHART_MIRROR:-}"
if [ -z "$mirror" ] && [ -d "$repo_root/../shared/upstream/charts" ]; then mirror="$repo_root/../shared/upstream/charts"; fi
dest="$EKSFLOW_TOOLS_CACHE/charts"
mkdir -p "$dest"
helm_bin="$(cache_dir helm "$HELM_VERSION")/bin/helm"

digest() { sha256sum "$1" | cut -d' ' -f1; }
fetched=0 cached=0
while read -r name version repo sha256; do
  case "$name" in ''|'#'*) continue ;; esac
  file="$dest/$name-$version.tgz"
  if [ -f "$file" ] && [ "$(digest "$file")" = "$sha256" ]; then cached=$((cached + 1)); continue; fi
  tmp=$(mktemp -d)
  if [ -n "$mirror" ] && [ -f "$mirror/$name-$version.tgz" ]; then
    cp "$mirror/$name-$version.tgz" "$tmp/"
  elif [ -x "$helm_bin" ]; then
    case "$repo" in
      oci://*) "$helm_bin" pull "${repo%/}/$name" --version "$version" --destination "$tmp" ;;
      *) "$helm_bin" pull "$name" --repo "$repo" --version "$version" --destination "$tmp" ;;
    esac
  else
    log "$name $version: not in the mirror (${mirror:-none}) and no helm to pull it with (run tools/install-helm.sh)"; rm -rf "$tmp"; exit 1
  fi
  got=$(digest "$tmp/$name-$version.tgz")
  if [ "$got" != "$sha256" ]; then log "$name $version: sha256 $got is not the pinned $sha256"; rm -rf "$tmp"; exit 1; fi
  mv "$tmp/$name-$version.tgz" "$file"
  rm -rf "$tmp"
  fetched=$((fetched + 1))
done < "$TOOLS_DIR/charts.lock"
source_desc="helm pull"; [ -n "$mirror" ] && source_desc="mirror $mirror"
done_with "$fetched chart(s) fetched ($source_desc), $cached already cached, in $dest"
