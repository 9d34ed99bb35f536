#!/usr/bin/env bash
# Installs the Debian packages polyfw's userspace build and unit tests need,
# when they are missing.  Safe to run again; does nothing when all are there.
set -euo pipefail

packages=(cmake g++ make pkg-config libmnl-dev libnftnl-dev libcli11-dev catch2
          nlohmann-json3-dev libbenchmark-dev)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	"${sudo_cmd[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
