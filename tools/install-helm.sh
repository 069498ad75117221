#!/usr/bin/env bash
TOOL_NAME=helm
source "$(dirname "$0")/lib.sh"
go_install helm "$HELM_VERSION" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
