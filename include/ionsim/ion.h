/*
 * ionsim/ion.h - AOSP libion's API over the simulated machine.
 *
 * The same functions, arguments and results as Android's libion
 * (system/core/libion, later system/memory/libion), acting as the calling
 * thread's current simulated process (ionsim_enter).  A program written
 * against libion ports by booting a machine, spawning and entering a
 * process, and including this header instead of <ion/ion.h>; where it
 * calls close(2), mmap(2) or munmap(2) on ION fds itself, those become
 * ionsim_close, ionsim_mmap and ionsim_munmap.
 *
 * Results follow libion: 0 (or an fd) on success, a negative errno on
 * failure, except ion_open, which returns what open(2) does: the fd, or
 * -1 with errno set.  Like libion, the handle-based calls first ask
 * ion_is_legacy() which ABI /dev/ion speaks and refuse with -EINVAL on a
 * modern (4.12+) kernel; ion_alloc_fd works on both.  ion_is_legacy()
 * probes once per process, with an ION_IOC_FREE of handle 0 on the fd it
 * is given (ENOTTY means modern), and remembers the answer for the rest
 * of that process's life, children forked later included: as in libion,
 * a first probe on an fd that is not /dev/ion decides wrongly for good.
 */
#ifndef IONSIM_ION_H
#define IONSIM_ION_H

#include <stddef.h>
#include <sys/types.h>

#include "ionsim/ionsim.h"
#include "ionsim/uapi/ion.h"

#ifdef __cplusplus
extern "C" {
#endif

/* open("/dev/ion", O_RDONLY | O_CLOEXEC): the fd, or -1 with errno. */
int ion_open(void);

/* close(2) of an ION fd: 0 or -errno (-EBADF). */
int ion_close(int fd);

/*
 * ion_alloc - ION_IOC_ALLOC (legacy): a buffer of @len bytes from the
 * heaps in @heap_mask (bit N = heap id N), aligned to @align, with
 * ION_FLAG_* @flags; its new handle goes to *@handle.  0, or -EINVAL (a
 * NULL @handle, a modern /dev/ion, or the kernel's EINVAL), -ENODEV (no
 * heap in the mask), -ENOMEM, -EBADF, ...
 */
int ion_alloc(int fd, size_t len, size_t align, unsigned int heap_mask,
	      unsigned int flags, ion_user_handle_t *handle);

/*
 * ion_alloc_fd - a buffer as a dma-buf fd in *@handle_fd: on a legacy
 * /dev/ion, ALLOC then SHARE then FREE of the handle (the fd keeps the
 * buffer); on a modern one, the fd-returning ALLOC (@align is ignored
 * there, as the 4.12+ ioctl has no such field).  0 or -errno; -EINVAL for
 * a NULL @handle_fd.
 */
int ion_alloc_fd(int fd, size_t len, size_t align, unsigned int heap_mask,
		 unsigned int flags, int *handle_fd);

/* ion_sync_fd - ION_IOC_SYNC of dma-buf fd @handle_fd (legacy only):
 * 0 or -errno (-EINVAL on a modern /dev/ion). */
int ion_sync_fd(int fd, int handle_fd);

/* ion_free - ION_IOC_FREE of @handle: 0 or -errno (-EINVAL for a handle
 * the client does not have, -ENOTTY on a modern /dev/ion). */
int ion_free(int fd, ion_user_handle_t handle);

/*
 * ion_map - ION_IOC_MAP of @handle, then mmap of the new dma-buf fd with
 * @length, @prot, @flags and @offset (host PROT_* and MAP_* values, as
 * for ionsim_mmap).  0 with the mapping in *@ptr and the fd in *@map_fd
 * (close both when done), or -errno: -EINVAL for NULL out-pointers or a
 * modern /dev/ion; when the mmap fails the new fd is closed again.
 */
int ion_map(int fd, ion_user_handle_t handle, size_t length, int prot,
	    int flags, off_t offset, unsigned char **ptr, int *map_fd);

/* ion_share - ION_IOC_SHARE: a new dma-buf fd for @handle in *@share_fd.
 * 0 or -errno (-EINVAL for NULL or a modern /dev/ion). */
int ion_share(int fd, ion_user_handle_t handle, int *share_fd);

/* ion_import - ION_IOC_IMPORT of dma-buf fd @share_fd: its handle in this
 * client in *@handle.  0 or -errno (-EINVAL for NULL or a modern
 * /dev/ion, -EBADF for a closed @share_fd). */
int ion_import(int fd, int share_fd, ion_user_handle_t *handle);

/* ion_query_heap_cnt - ION_IOC_HEAP_QUERY with no list: the number of
 * heaps in *@cnt.  0 or -errno (-EINVAL for a NULL @cnt). */
int ion_query_heap_cnt(int fd, int *cnt);

/*
 * ion_query_get_heaps - ION_IOC_HEAP_QUERY filling up to @cnt struct
 * ion_heap_data entries at @buffers, highest heap id first.  0 or -errno.
 * Linux 4.9 fills the entries and still answers EINVAL, so on a legacy
 * machine this returns -EINVAL with the entries written.
 */
int ion_query_get_heaps(int fd, int cnt, void *buffers);

/* ion_is_legacy - 1 when /dev/ion speaks the legacy (handle) ABI, 0 when
 * the modern one; probed once per process (see above). */
int ion_is_legacy(int fd);

#ifdef __cplusplus
}
#endif
#endif /* IONSIM_ION_H */
