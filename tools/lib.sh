# Shared helpers for tools/setup.sh, tools/test.sh and tools/guest-assets.sh.
# Source it; it defines functions and a few variables and runs nothing else.
# shellcheck shell=bash

SOCEMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Where downloaded packages and built guest assets live: outside the repo, so a fresh clone (or a
# CI job restoring this directory from its cache) reuses them.
SOCEMU_CACHE=${SOCEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/socemu}

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# Packages named in tools/deps.txt (the one list of Debian dependencies), comments stripped.
socemu_deps() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$SOCEMU_ROOT/tools/deps.txt" | grep -v '^$'
}

# Prints the deps that are not installed (empty output: all installed).
socemu_missing_deps() {
    local pkg status
    while read -r pkg; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || echo "$pkg"
    done < <(socemu_deps)
}

# Installs missing deps with apt. Does nothing (and touches no apt state) when all are installed,
# so it is cheap to call on every run and works without root on a prepared machine.
socemu_install_deps() {
    local missing sudo=()
    mapfile -t missing < <(socemu_missing_deps)
    if ((${#missing[@]} == 0)); then
        log "all $(socemu_deps | wc -l) packages of tools/deps.txt are installed"
        return 0
    fi
    log "installing missing packages: ${missing[*]}"
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "not root and no sudo: install as root: apt-get install ${missing[*]}"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}
