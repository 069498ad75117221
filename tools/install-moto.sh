#!/usr/bin/env bash
# moto's server mode emulates the AWS APIs (EKS, IAM, ECR, EC2, STS, ...) on loopback.
TOOL_NAME=moto
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir moto "$MOTO_VERSION")
if is_installed "$dest"; then done_with "cached at $dest/venv/bin/moto_server"; exit 0; fi
rm -rf "$dest"
python3 -m venv "$dest/venv"
"$dest/venv/bin/pip" install -q "moto[server]==$MOTO_VERSION"
"$dest/venv/bin/moto_server" --help > /dev/null
mark_installed "$dest"
done_with "installed moto[server] $MOTO_VERSION into $dest/venv"
