#!/usr/bin/env bash
# The Temporal CLI: `temporal server start-dev` is a full server with visibility,
# search attributes and the Web UI, on SQLite. v1.5.1 is the newest tag whose go.mod
# has no `replace`, which `go install pkg@version` refuses.
TOOL_NAME=temporal-cli
source "$(dirname "$0")/lib.sh"
go_install temporal-cli "$TEMPORAL_CLI_VERSION" "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
