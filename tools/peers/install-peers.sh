#!/usr/bin/env bash
# Installs the toolchains of Cadre's benchmark peers (Go, Erlang/OTP, CAF, g++) from Debian's packages.
# Idempotent: packages already present are left alone. Needs root (or sudo).
# Usage: install-peers.sh            (installs all peers' toolchains)
set -euo pipefail

pkgs=(golang-go erlang-base libcaf-dev g++)

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-peers: all peer toolchains already installed (${pkgs[*]})" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-peers: need root to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "install-peers: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
