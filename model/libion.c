/*
 * model/libion.c - AOSP libion (ionsim/ion.h) over the embedding API.
 *
 * Every function is what an Android process's libion would do, with the
 * system calls replaced by their ionsim_ counterparts, so that the
 * simulated kernel sees exactly the ioctl sequence a real device sees:
 * ion_alloc_fd is three ioctls on a legacy kernel, ion_map is MAP then
 * mmap, and the ABI probe is a FREE of handle 0.  Results are 0 or a
 * negative errno, taken from errno right after the failing call.
 *
 * libion keeps one piece of state, the probed ABI, in a process-wide
 * variable; a simulated process's copy lives in its struct ionsim
 * (kion_libion_cached_abi), so each process probes once, forked children
 * inherit the answer, and two processes never share it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "ionsim/ion.h"
#include "model/embed.h"

/* One ioctl on @fd: its result, or -errno. */
static int ion_call(int fd, unsigned long cmd, void *arg)
{
	int ret = ionsim_ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* ion_open - see ionsim/ion.h. */
int ion_open(void)
{
	return ionsim_open("/dev/ion", O_RDONLY | O_CLOEXEC);
}

/* ion_close - see ionsim/ion.h. */
int ion_close(int fd)
{
	return ionsim_close(fd) < 0 ? -errno : 0;
}

/* ion_is_legacy - see ionsim/ion.h. */
int ion_is_legacy(int fd)
{
	enum kion_libion_abi abi = kion_libion_cached_abi();

	if (abi == KION_LIBION_UNKNOWN) {
		/* Only the legacy ABI has FREE: a modern /dev/ion does not
		 * know the command at all.  Handle 0 is never valid, so on a
		 * legacy one the probe changes nothing. */
		abi = ion_free(fd, 0) == -ENOTTY ? KION_LIBION_MODERN
						 : KION_LIBION_LEGACY;
		kion_libion_cache_abi(abi);
	}
	return abi == KION_LIBION_LEGACY;
}

/* ion_alloc - see ionsim/ion.h. */
int ion_alloc(int fd, size_t len, size_t align, unsigned int heap_mask,
	      unsigned int flags, ion_user_handle_t *handle)
{
	struct ion_allocation_data data = {
		.len = len,
		.align = align,
		.heap_id_mask = heap_mask,
		.flags = flags,
	};
	int ret;

	if (!handle || !ion_is_legacy(fd))
		return -EINVAL;
	ret = ion_call(fd, ION_IOC_ALLOC, &data);
	if (ret < 0)
		return ret;
	*handle = data.handle;
	return ret;
}

/* ion_free - see ionsim/ion.h. */
int ion_free(int fd, ion_user_handle_t handle)
{
	struct ion_handle_data data = { .handle = handle };

	return ion_call(fd, ION_IOC_FREE, &data);
}

/* MAP and SHARE return the same thing, a new dma-buf fd for a handle. */
static int handle_to_fd(int fd, unsigned long cmd, ion_user_handle_t handle,
			int *out_fd)
{
	struct ion_fd_data data = { .handle = handle };
	int ret = ion_call(fd, cmd, &data);

	if (ret < 0)
		return ret;
	/* A kernel that reports success must hand back a real fd. */
	if (data.fd < 0)
		return -EINVAL;
	*out_fd = data.fd;
	return ret;
}

/* ion_map - see ionsim/ion.h. */
int ion_map(int fd, ion_user_handle_t handle, size_t length, int prot,
	    int flags, off_t offset, unsigned char **ptr, int *map_fd)
{
	void *addr;
	int ret, mfd;

	if (!ion_is_legacy(fd) || !map_fd || !ptr)
		return -EINVAL;
	ret = handle_to_fd(fd, ION_IOC_MAP, handle, &mfd);
	if (ret < 0)
		return ret;
	addr = ionsim_mmap(NULL, length, prot, flags, mfd, offset);
	if (addr == MAP_FAILED) {
		ret = -errno;
		goto close_fd;
	}
	*ptr = addr;
	*map_fd = mfd;
	return 0;

close_fd:
	ionsim_close(mfd);
	return ret;
}

/* ion_share - see ionsim/ion.h. */
int ion_share(int fd, ion_user_handle_t handle, int *share_fd)
{
	if (!ion_is_legacy(fd) || !share_fd)
		return -EINVAL;
	return handle_to_fd(fd, ION_IOC_SHARE, handle, share_fd);
}

/* The 4.12+ ALLOC: the buffer comes back as a dma-buf fd directly. */
static int alloc_fd_modern(int fd, size_t len, unsigned int heap_mask,
			   unsigned int flags, int *handle_fd)
{
	struct ion_new_allocation_data data = {
		.len = len,
		.heap_id_mask = heap_mask,
		.flags = flags,
	};
	int ret = ion_call(fd, ION_IOC_NEW_ALLOC, &data);

	if (ret < 0)
		return ret;
	*handle_fd = (int)data.fd;
	return ret;
}

/* ion_alloc_fd - see ionsim/ion.h. */
int ion_alloc_fd(int fd, size_t len, size_t align, unsigned int heap_mask,
		 unsigned int flags, int *handle_fd)
{
	ion_user_handle_t handle;
	int ret;

	if (!handle_fd)
		return -EINVAL;
	if (!ion_is_legacy(fd))
		return alloc_fd_modern(fd, len, heap_mask, flags, handle_fd);
	ret = ion_alloc(fd, len, align, heap_mask, flags, &handle);
	if (ret < 0)
		return ret;
	ret = ion_share(fd, handle, handle_fd);
	/* The fd (if any) holds the buffer now; the handle is not needed. */
	ion_free(fd, handle);
	return ret;
}

/* ion_import - see ionsim/ion.h. */
int ion_import(int fd, int share_fd, ion_user_handle_t *handle)
{
	struct ion_fd_data data = { .fd = share_fd };
	int ret;

	if (!ion_is_legacy(fd) || !handle)
		return -EINVAL;
	ret = ion_call(fd, ION_IOC_IMPORT, &data);
	if (ret < 0)
		return ret;
	*handle = data.handle;
	return ret;
}

/* ion_sync_fd - see ionsim/ion.h. */
int ion_sync_fd(int fd, int handle_fd)
{
	struct ion_fd_data data = { .fd = handle_fd };

	if (!ion_is_legacy(fd))
		return -EINVAL;
	return ion_call(fd, ION_IOC_SYNC, &data);
}

/* ion_query_heap_cnt - see ionsim/ion.h. */
int ion_query_heap_cnt(int fd, int *cnt)
{
	struct ion_heap_query query;
	int ret;

	if (!cnt)
		return -EINVAL;
	memset(&query, 0, sizeof(query));
	ret = ion_call(fd, ION_IOC_HEAP_QUERY, &query);
	if (ret < 0)
		return ret;
	*cnt = (int)query.cnt;
	return ret;
}

/* ion_query_get_heaps - see ionsim/ion.h. */
int ion_query_get_heaps(int fd, int cnt, void *buffers)
{
	struct ion_heap_query query = {
		.cnt = (__u32)cnt,
		.heaps = (uintptr_t)buffers,
	};

	return ion_call(fd, ION_IOC_HEAP_QUERY, &query);
}
