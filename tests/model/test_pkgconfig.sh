#!/usr/bin/env bash
# tests/model/test_pkgconfig.sh - the installed library as an outside
# program uses it: install the build into a temporary prefix, compile a
# small C program with nothing but `pkg-config --cflags --libs --static
# ionsim`, run it, and compare what it prints.  The program boots the
# default board, spawns two processes, allocates a carveout buffer through
# libion in one, shares it with the other, and reads back through the
# second mapping what the first wrote.
#
# usage: test_pkgconfig.sh BUILD_DIR [CC [EXTRA_LDFLAGS]]
# EXTRA_LDFLAGS are what the build's own options need at link time
# (sanitizers, coverage): a library built with them needs them too.
set -euo pipefail

build=$1
cc=${2:-cc}
extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log"
pc=$(find "$tmp/prefix" -name ionsim.pc)
[ -n "$pc" ] || { echo "ionsim.pc was not installed" >&2; exit 1; }
# The .pc names its install prefix; --define-prefix rebases it on where
# the file really is, as for any relocated install.
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
flags=$(pkg-config --define-prefix --cflags --libs --static ionsim)

cat >"$tmp/prog.c" <<'PROG'
#include <ionsim/ion.h>
#include <ionsim/ionsim.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define CARVEOUT_MASK (1u << 2)	/* the default board's carveout heap */

int main(void)
{
	struct ionsim *sim = ionsim_boot(NULL);
	int camera, display, ionfd, fd, got, ret;
	char *w, *r;

	if (!sim)
		return 1;
	camera = ionsim_spawn(sim, "camera");
	display = ionsim_spawn(sim, "display");
	ionsim_enter(sim, camera);
	ionfd = ion_open();
	ret = ion_alloc_fd(ionfd, 4096, 0, CARVEOUT_MASK, 0, &fd);
	printf("camera %d: ion fd %d, alloc %d, buffer fd %d\n", camera,
	       ionfd, ret, fd);
	w = ionsim_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED)
		return 2;
	strcpy(w, "frame from the camera");
	got = ionsim_send_fd(fd, display);
	printf("sent to %d as fd %d; live buffers %zu\n", display, got,
	       ionsim_live_buffers(sim));
	ionsim_exit();
	ionsim_enter(sim, display);
	r = ionsim_mmap(NULL, 4096, PROT_READ, MAP_SHARED, got, 0);
	if (r == MAP_FAILED)
		return 3;
	printf("display %d reads: %s\n", display, r);
	ionsim_close(got);
	ionsim_munmap(r, 4096);
	printf("live buffers %zu\n", ionsim_live_buffers(sim));
	ionsim_shutdown(sim);
	return 0;
}
PROG

# shellcheck disable=SC2086 # the flags are words on purpose
"$cc" -Wall -Wextra -Werror -o "$tmp/prog" "$tmp/prog.c" $flags $extra
"$tmp/prog" >"$tmp/out"

cat >"$tmp/expected" <<'OUT'
camera 100: ion fd 3, alloc 0, buffer fd 4
sent to 101 as fd 3; live buffers 1
display 101 reads: frame from the camera
live buffers 0
OUT
diff -u "$tmp/expected" "$tmp/out"
echo "pkg-config build of an outside program: ok"
