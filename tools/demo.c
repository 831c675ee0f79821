/*
 * tools/demo.c - the built-in demo (`make demo`): a camera hands a frame to
 * the compositor on the default board, the way Android's camera HAL and
 * SurfaceFlinger share buffers through ION.
 *
 * It drives the machine only through the embedding API (ionsim/ionsim.h)
 * and the kernel's own ioctls, prints what the kernel's debugfs would show
 * at the moment the buffer is orphaned (held by the compositor's dma-buf fd
 * and mapping only), proves the memory is really shared, and ends with the
 * audit.  Exit status: 0 when the audit is clean and nothing leaked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "ionsim/ionsim.h"
#include "ionsim/uapi/ion.h"

#define FRAME (1u << 20)	/* one 1 MiB frame */
#define CARVEOUT_MASK (1u << 2)	/* the default board's carveout: id 2 */

/* Print a step and stop the demo if it failed. */
static int check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "ionsim-demo: %s failed: %s\n", what,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void show(struct ionsim *sim, const char *path)
{
	printf("\n$ cat %s\n", path);
	if (ionsim_debugfs(sim, path, stdout) < 0)
		printf("(%s)\n", strerror(errno));
}

/* The camera: allocate a frame, turn it into a dma-buf fd, send it. */
static int camera_produces(struct ionsim *sim, int camera, int sf, int *fd_sf)
{
	struct ion_allocation_data alloc = {
		.len = FRAME, .heap_id_mask = CARVEOUT_MASK,
		.flags = ION_FLAG_CACHED,
	};
	struct ion_fd_data share = { 0 };
	struct ion_handle_data free_data = { 0 };
	int ion;

	ionsim_enter(sim, camera);
	ion = ionsim_open("/dev/ion", O_RDONLY | O_CLOEXEC);
	if (check(ion, "camera: open /dev/ion") ||
	    check(ionsim_ioctl(ion, ION_IOC_ALLOC, &alloc), "ION_IOC_ALLOC"))
		return -1;
	printf("camera (pid %d): ION_IOC_ALLOC 1 MiB on carveout -> handle %d\n",
	       camera, alloc.handle);
	share.handle = alloc.handle;
	if (check(ionsim_ioctl(ion, ION_IOC_SHARE, &share), "ION_IOC_SHARE"))
		return -1;
	printf("camera: ION_IOC_SHARE -> dma-buf fd %d\n", share.fd);
	*fd_sf = ionsim_send_fd(share.fd, sf);
	if (check(*fd_sf, "send fd"))
		return -1;
	printf("camera: sent fd %d over a socket; it is fd %d in pid %d\n",
	       share.fd, *fd_sf, sf);
	free_data.handle = alloc.handle;
	if (check(ionsim_ioctl(ion, ION_IOC_FREE, &free_data), "ION_IOC_FREE"))
		return -1;
	printf("camera: ION_IOC_FREE handle %d, then exits\n", alloc.handle);
	return check(ionsim_exit(), "camera exit");
}

/* The compositor: map the frame it was sent and read the pixels. */
static int compositor_maps(struct ionsim *sim, int sf, int fd, char **map)
{
	ionsim_enter(sim, sf);
	*map = ionsim_mmap(NULL, FRAME, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
	if (*map == MAP_FAILED) {
		fprintf(stderr, "ionsim-demo: mmap failed: %s\n",
			strerror(errno));
		return -1;
	}
	printf("surfaceflinger (pid %d): mmap fd %d, first bytes %02x %02x "
	       "(ION zeroes every buffer)\n", sf, fd, (unsigned char)(*map)[0],
	       (unsigned char)(*map)[1]);
	return 0;
}

/* A second mapping through a dup'ed fd sees the first one's writes: the
 * pages are the same simulated physical memory. */
static int prove_sharing(int fd, char *map)
{
	int dup_fd = ionsim_dup(fd);
	char *again;
	int same;

	if (check(dup_fd, "dup"))
		return -1;
	again = ionsim_mmap(NULL, FRAME, PROT_READ, MAP_SHARED, dup_fd, 0);
	if (again == MAP_FAILED)
		return check(-1, "second mmap");
	strcpy(map + 4096, "frame 1: hello from the compositor");
	same = strcmp(again + 4096, map + 4096) == 0;
	printf("surfaceflinger: wrote through one mapping, read \"%s\" "
	       "through another: %s\n", again + 4096,
	       same ? "shared" : "NOT SHARED");
	ionsim_munmap(again, FRAME);
	ionsim_close(dup_fd);
	return same ? 0 : -1;
}

static int run(struct ionsim *sim)
{
	int camera = ionsim_spawn(sim, "camera");
	int sf = ionsim_spawn(sim, "surfaceflinger");
	int fd;
	char *map;

	if (check(camera, "spawn") || check(sf, "spawn") ||
	    camera_produces(sim, camera, sf, &fd) ||
	    compositor_maps(sim, sf, fd, &map) || prove_sharing(fd, map))
		return -1;
	printf("\nThe camera is gone and no handle is left: the frame is an "
	       "orphan,\nkept alive by the compositor's fd and mapping.\n");
	show(sim, "/sys/kernel/debug/ion/heaps/carveout");
	show(sim, "/sys/kernel/debug/dma_buf/bufinfo");
	printf("\nlive buffers: %zu\n", ionsim_live_buffers(sim));
	printf("surfaceflinger: munmap, close fd %d, exit\n", fd);
	if (check(ionsim_munmap(map, FRAME), "munmap") ||
	    check(ionsim_close(fd), "close") || check(ionsim_exit(), "exit"))
		return -1;
	printf("live buffers: %zu\n", ionsim_live_buffers(sim));
	return 0;
}

int main(void)
{
	struct ionsim *sim = ionsim_boot(NULL);
	int violations;

	if (!sim) {
		fprintf(stderr, "ionsim-demo: boot failed: %s\n",
			strerror(errno));
		return 1;
	}
	printf("ionsim demo: the default board (system, system_contig, "
	       "carveout 16M, chunk 8M, cma 32M), legacy ABI (Linux 4.9.337)\n\n");
	if (run(sim)) {
		ionsim_shutdown(sim);
		return 1;
	}
	printf("\naudit: ");
	fflush(stdout);
	violations = ionsim_audit(sim, stdout);
	printf("%d violation(s)\n", violations);
	ionsim_shutdown(sim);
	return violations == 0 ? 0 : 1;
}
