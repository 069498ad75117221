#!/usr/bin/env bash
# The peers Debian packages well: an OCI registry, skopeo to copy images, buildah to build
# them (image.build), git (build contexts from a repository), and Chromium for the browser
# checks. apt keeps its own cache, so this only checks and installs.
TOOL_NAME=apt
source "$(dirname "$0")/lib.sh"
declare -A wanted=([docker-registry]=docker-registry [skopeo]=skopeo [buildah]=buildah [git]=git [chromium]=chromium)
missing=()
for cmd in "${!wanted[@]}"; do command -v "$cmd" > /dev/null || missing+=("${wanted[$cmd]}"); done
if [ ${#missing[@]} -eq 0 ]; then done_with "docker-registry, skopeo, buildah, git and chromium already installed"; exit 0; fi
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -q > /dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" > /dev/null
# Debian's package starts a registry on :5000 where an init system runs; the tests start their own.
$sudo service docker-registry stop > /dev/null 2>&1 || true
done_with "apt-get installed ${missing[*]}"
