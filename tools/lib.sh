# Shared helpers for the installers: sourced, never run.
set -euo pipefail
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$TOOLS_DIR/versions.env"
EKSFLOW_TOOLS_CACHE="${EKSFLOW_TOOLS_CACHE:-$HOME/.cache/eksflow-tools}"
mkdir -p "$EKSFLOW_TOOLS_CACHE"
_started_at=$(date +%s.%N)

log() { printf '[tools/%s] %s\n' "${TOOL_NAME:-?}" "$*" >&2; }

elapsed() { awk -v s="$_started_at" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# done_with <what happened>: the one line each installer ends on.
done_with() { log "$1 in $(elapsed)s"; }

# cache_dir <name> <version>: where one built component lives.
cache_dir() { printf '%s/%s-%s' "$EKSFLOW_TOOLS_CACHE" "$1" "$2"; }

# A marker written last, so an interrupted install is never taken for a finished one.
is_installed() { [ -f "$1/.installed" ]; }
mark_installed() { date -u +%FT%TZ > "$1/.installed"; }

# go_install <name> <version> <package@version>: `go install` into the component's cache dir.
go_install() {
  local dest; dest=$(cache_dir "$1" "$2")
  if is_installed "$dest"; then done_with "cached at $dest/bin"; return 0; fi
  rm -rf "$dest" && mkdir -p "$dest/bin"
  GOBIN="$dest/bin" CGO_ENABLED=0 go install -trimpath -ldflags='-s -w' "$3"
  mark_installed "$dest"
  done_with "go install $3 into $dest/bin"
}
