#!/usr/bin/env bash
# Installs code-server (a real VS Code served to a browser) from the npm registry into a cache folder outside the
# project, plus the Debian packages the VS Code tests need (ripgrep, chromium, headers for native modules).
# Works offline apart from the npm registry and Debian's packages; idempotent, non-interactive (CI: root, no TTY).
#
#   RO_CACHE                   cache root (default /var/cache/release-operator); code-server goes to $RO_CACHE/code-server
#   RO_CODE_SERVER_VERSION     default 4.100.3 (the newest whose engines.node is 20; VS Code 1.100.3)
#   RO_CODE_SERVER_FORCE=1     reinstall even when the marker says it is there
#
# Prints the path of the code-server executable on its last line ("code-server: /path/to/bin").
set -euo pipefail

VERSION=${RO_CODE_SERVER_VERSION:-4.100.3}
CACHE=${RO_CACHE:-/var/cache/release-operator}
DEST="$CACHE/code-server"
BIN="$DEST/node_modules/.bin/code-server"
MARKER="$DEST/.installed-$VERSION"
# @vscode/ripgrep's postinstall downloads ripgrep from GitHub unless it finds this file in os.tmpdir():
RG_PKG_VERSION=1.15.11
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

say() { printf 'install-code-server: %s\n' "$*"; }
export DEBIAN_FRONTEND=noninteractive

# --- Debian packages ----------------------------------------------------------------------------------------
PKGS=(ripgrep chromium libkrb5-dev build-essential python3 ca-certificates)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    say "apt-get update (package lists missing or stale)"
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  say "Debian packages present (${PKGS[*]})"
fi
command -v rg >/dev/null || { say "ripgrep (rg) not found after install"; exit 1; }
[ -x /usr/bin/chromium ] || { say "/usr/bin/chromium not found after install"; exit 1; }

# --- code-server -------------------------------------------------------------------------------------------
installed_ok() {
  [ -f "$MARKER" ] && [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | head -1 | grep -q "^$VERSION "
}

if [ "${RO_CODE_SERVER_FORCE:-}" != 1 ] && installed_ok; then
  say "code-server $VERSION already installed in $DEST ($("$BIN" --version | head -1))"
else
  start=$(date +%s)
  say "installing code-server@$VERSION from npm into $DEST"
  rm -rf "$DEST"
  mkdir -p "$DEST"
  work=$(mktemp -d "${CACHE}/.install-tmp.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/tmp/vscode-ripgrep-cache-$RG_PKG_VERSION"
  # The postinstall runs `tar xvf ASSET -C bin/` and then expects bin/rg: the archive holds just `rg`.
  tar -czf "$work/tmp/vscode-ripgrep-cache-$RG_PKG_VERSION/$RG_ASSET" -C "$(dirname "$(readlink -f "$(command -v rg)")")" rg
  printf '{ "name": "release-operator-code-server", "private": true }\n' >"$DEST/package.json"
  log="$work/npm-install.log"
  if ! TMPDIR="$work/tmp" TMP="$work/tmp" TEMP="$work/tmp" \
       npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
       npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false \
       npm install --prefix "$DEST" --no-audit --no-fund --loglevel=warn "code-server@$VERSION" >"$log" 2>&1; then
    say "npm install failed; last lines of its log:"
    tail -60 "$log" >&2
    exit 1
  fi
  if ! "$BIN" --version >/dev/null 2>&1; then
    say "code-server installed but does not start; last lines of the npm log:"
    tail -60 "$log" >&2
    exit 1
  fi
  # Everything the tests rely on must be there: ripgrep (search), node-pty (terminals), the VS Code server.
  [ -x "$DEST/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
    || say "warning: @vscode/ripgrep/bin/rg missing (search in the workbench will not work)"
  touch "$MARKER"
  say "installed code-server $("$BIN" --version | head -1) in $(( $(date +%s) - start ))s, $(du -sh "$DEST" | cut -f1) on disk"
fi
say "code-server: $BIN"
