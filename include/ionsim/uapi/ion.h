/*
 * ionsim/uapi/ion.h - the ION ioctl interface, as userspace sees it.
 *
 * Both ABIs a /dev/ion may speak:
 *  - legacy (Linux 4.4-4.11): clients and handles; ALLOC returns a handle,
 *    SHARE/MAP turn it into a dma-buf fd, IMPORT turns an fd back into a
 *    handle, FREE drops it;
 *  - modern (4.12-5.10): ALLOC returns a dma-buf fd, the handle ioctls are
 *    gone (ENOTTY), HEAP_QUERY lists heaps, and Android's forks add
 *    ABI_VERSION.
 * The modern allocation struct is named ion_new_allocation_data here, as
 * AOSP libion names it, so one program can speak both.  Layouts and
 * numbers are the kernel's for LP64 (checked by tests/model/test_uapi.c).
 */
#ifndef IONSIM_UAPI_ION_H
#define IONSIM_UAPI_ION_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <stddef.h>

typedef int ion_user_handle_t;

enum ion_heap_type {
	ION_HEAP_TYPE_SYSTEM,
	ION_HEAP_TYPE_SYSTEM_CONTIG,
	ION_HEAP_TYPE_CARVEOUT,
	ION_HEAP_TYPE_CHUNK,
	ION_HEAP_TYPE_DMA,
	ION_HEAP_TYPE_CUSTOM,	/* the first vendor type */
};

#define ION_NUM_HEAP_IDS (sizeof(unsigned int) * 8)

/* Buffer flags: the low 16 bits are ION's, the high 16 the heaps'. */
#define ION_FLAG_CACHED 1
#define ION_FLAG_CACHED_NEEDS_SYNC 2	/* legacy only */

#define MAX_HEAP_NAME 32

/* Legacy ALLOC: in len/align/mask/flags, out handle. */
struct ion_allocation_data {
	size_t len;
	size_t align;
	unsigned int heap_id_mask;
	unsigned int flags;
	ion_user_handle_t handle;
};

/* Modern ALLOC (4.12+): in len/mask/flags, out fd. */
struct ion_new_allocation_data {
	__u64 len;
	__u32 heap_id_mask;
	__u32 flags;
	__u32 fd;
	__u32 unused;
};

/* SHARE, MAP, IMPORT, SYNC: a handle and an fd. */
struct ion_fd_data {
	ion_user_handle_t handle;
	int fd;
};

/* FREE */
struct ion_handle_data {
	ion_user_handle_t handle;
};

/* CUSTOM: a platform's own command and argument. */
struct ion_custom_data {
	unsigned int cmd;
	unsigned long arg;
};

/* One heap, as HEAP_QUERY describes it. */
struct ion_heap_data {
	char name[MAX_HEAP_NAME];
	__u32 type;
	__u32 heap_id;
	__u32 reserved0;
	__u32 reserved1;
	__u32 reserved2;
};

/* HEAP_QUERY: heaps == 0 asks for the count; otherwise up to cnt entries
 * are written at the user address heaps.  The reserved fields must be 0. */
struct ion_heap_query {
	__u32 cnt;
	__u32 reserved0;
	__u64 heaps;
	__u32 reserved1;
	__u32 reserved2;
};

#define ION_IOC_MAGIC 'I'

#define ION_IOC_ALLOC _IOWR(ION_IOC_MAGIC, 0, struct ion_allocation_data)
#define ION_IOC_FREE _IOWR(ION_IOC_MAGIC, 1, struct ion_handle_data)
#define ION_IOC_MAP _IOWR(ION_IOC_MAGIC, 2, struct ion_fd_data)
#define ION_IOC_SHARE _IOWR(ION_IOC_MAGIC, 4, struct ion_fd_data)
#define ION_IOC_IMPORT _IOWR(ION_IOC_MAGIC, 5, struct ion_fd_data)
#define ION_IOC_CUSTOM _IOWR(ION_IOC_MAGIC, 6, struct ion_custom_data)
#define ION_IOC_SYNC _IOWR(ION_IOC_MAGIC, 7, struct ion_fd_data)
#define ION_IOC_HEAP_QUERY _IOWR(ION_IOC_MAGIC, 8, struct ion_heap_query)
#define ION_IOC_ABI_VERSION _IOR(ION_IOC_MAGIC, 9, __u32)
#define ION_IOC_NEW_ALLOC _IOWR(ION_IOC_MAGIC, 0, struct ion_new_allocation_data)

#endif /* IONSIM_UAPI_ION_H */
