#!/usr/bin/env bash
# Installs the Debian packages ionsim needs, when any is missing.
# Used by `make` (demo, test, ...) and by .ci/run; a no-op when all is there.
set -euo pipefail

PKGS=(build-essential cmake pkg-config check libbsd-dev valgrind gcovr
      libjansson-dev libxxhash-dev graphviz)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ionsim: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	SUDO=(sudo)
else
	echo "ionsim: not root and no sudo; please run: apt-get install ${missing[*]}" >&2
	exit 1
fi
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq \
	--no-install-recommends "${missing[@]}"
