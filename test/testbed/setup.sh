#!/usr/bin/env bash
# Installs and starts, idempotently, everything the integration and extension tests need on a Debian bookworm
# machine (root, no internet but Debian's and npm's registries): Docker engine, QEMU binfmt for arm64,
# a registry on loopback, fixture files (busybox for amd64 and arm64, foreign-architecture ELF files),
# skopeo and readelf as oracles, and code-server + chromium for the VS Code tests.
# Prints what it started. Safe to run again: it only does what is missing.
set -euo pipefail

CACHE=${RO_CACHE:-/var/cache/release-operator}
REGISTRY_ADDR=${RO_TESTBED_REGISTRY:-127.0.0.1:5000}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive

say() { printf 'testbed: %s\n' "$*"; }

# --- packages -------------------------------------------------------------------------------------------
PKGS=(docker.io qemu-user-static binfmt-support docker-registry skopeo busybox-static binutils apache2-utils curl
      git ca-certificates iproute2 ripgrep chromium libkrb5-dev build-essential file faketime xz-utils zstd
      openssh-server openssh-client)
PKGS+=(fonts-wqy-microhei) # Chinese glyphs for the zh-cn workbench run and its screenshots (Chromium has none)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- foreign-architecture files (arm64 busybox for images, ELF files of other architectures) ---------------
FOREIGN="$CACHE/foreign"
if [ ! -f "$FOREIGN/.done-v3" ]; then
  say "fetching foreign-architecture packages (arm64, i386, s390x, armhf) from Debian"
  for a in arm64 i386 s390x armhf; do dpkg --add-architecture "$a"; done
  rm -rf "$FOREIGN" && mkdir -p "$FOREIGN/debs"
  # A Debian mirror in the middle of a sync fails some index files; the packages we need usually still resolve.
  for attempt in 1 2 3; do
    apt-get update -qq >/dev/null 2>&1 || true
    ( cd "$FOREIGN/debs" && apt-get download -qq busybox-static:arm64 busybox:arm64 busybox:i386 busybox:s390x busybox:armhf \
        libc6:arm64 libc6:s390x libc6:i386 coreutils:arm64 coreutils:s390x >/dev/null 2>&1 ) && break
    say "apt-get download failed (attempt $attempt); retrying"; sleep 5
  done
  ls "$FOREIGN"/debs/busybox-static_*_arm64.deb >/dev/null 2>&1 || { say "could not download busybox-static:arm64"; exit 1; }
  for deb in "$FOREIGN"/debs/*.deb; do
    name="$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Architecture)"
    mkdir -p "$FOREIGN/$name" && dpkg -x "$deb" "$FOREIGN/$name"
  done
  touch "$FOREIGN/.done-v3"
fi

# --- Debian trixie packages (glibc 2.41) for the glibc drift tests -------------------------------------------
# A private sources list and private state folders, so the machine's own apt configuration is left untouched.
TRIXIE="$CACHE/trixie"
if [ ! -f "$TRIXIE/.done-v1" ]; then
  say "fetching Debian trixie packages (glibc 2.41) for the glibc tests"
  rm -rf "$TRIXIE" && mkdir -p "$TRIXIE/lists/partial" "$TRIXIE/cache/archives/partial" "$TRIXIE/debs"
  echo "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$TRIXIE/sources.list"
  TAPT=(-o Dir::Etc::SourceList="$TRIXIE/sources.list" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$TRIXIE/lists"
        -o Dir::Cache="$TRIXIE/cache" -o APT::Architectures::=amd64 -o Debug::NoLocking=1)
  for attempt in 1 2 3; do
    apt-get "${TAPT[@]}" update -qq >/dev/null 2>&1 || true
    ( cd "$TRIXIE/debs" && apt-get "${TAPT[@]}" download -qq coreutils bash libc6 >/dev/null 2>&1 ) && break
    say "trixie apt-get download failed (attempt $attempt); retrying"; sleep 5
  done
  ls "$TRIXIE"/debs/coreutils_*.deb >/dev/null 2>&1 || { say "could not download trixie coreutils"; exit 1; }
  for deb in "$TRIXIE"/debs/*.deb; do
    name="$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Architecture)"
    mkdir -p "$TRIXIE/$name" && dpkg -x "$deb" "$TRIXIE/$name"
  done
  rm -rf "$TRIXIE/lists" "$TRIXIE/cache"
  touch "$TRIXIE/.done-v1"
fi

# musl's loader (bookworm package) for the "glibc binary in a musl image" test.
MUSL="$CACHE/musl"
if [ ! -f "$MUSL/.done-v1" ]; then
  say "fetching musl for the glibc tests"
  rm -rf "$MUSL" && mkdir -p "$MUSL"
  ( cd "$MUSL" && apt-get download -qq musl:amd64 >/dev/null 2>&1 ) || { apt-get update -qq >/dev/null 2>&1 || true; ( cd "$MUSL" && apt-get download -qq musl:amd64 >/dev/null ); }
  dpkg -x "$MUSL"/musl_*.deb "$MUSL/root" && touch "$MUSL/.done-v1"
fi

# --- Docker engine ---------------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd"
  nohup dockerd --iptables=false >/var/log/release-operator-dockerd.log 2>&1 &
  for i in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start; see /var/log/release-operator-dockerd.log"; tail -20 /var/log/release-operator-dockerd.log; exit 1; }
fi
say "docker engine $(docker version --format '{{.Server.Version}}') running"

# --- QEMU binfmt for arm64 -------------------------------------------------------------------------------
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --import qemu-aarch64 >/dev/null
fi
grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 && say "binfmt qemu-aarch64 enabled"

# --- a registry on loopback ------------------------------------------------------------------------------
REGDIR="$CACHE/registry"
mkdir -p "$REGDIR/data"
cat >"$REGDIR/config.yml" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $REGDIR/data }
  delete: { enabled: true }
http:
  addr: $REGISTRY_ADDR
YML
if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  say "starting registry on $REGISTRY_ADDR"
  nohup docker-registry serve "$REGDIR/config.yml" >"$REGDIR/registry.log" 2>&1 &
  for i in $(seq 1 30); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break; sleep 0.5; done
fi
curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null && say "registry answering on http://$REGISTRY_ADDR/v2/"

# --- code-server and chromium for the VS Code tests ------------------------------------------------------
if [ "${RO_SKIP_CODE_SERVER:-}" != 1 ] && [ -f "$here/install-code-server.sh" ]; then
  bash "$here/install-code-server.sh"
fi
say "ready (cache $CACHE)"
