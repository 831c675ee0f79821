/*
 * ionsim/uapi/dma-heap.h - DMA-BUF heaps (Linux 5.6+): one device per
 * heap under /dev/dma_heap/, one ioctl that returns a dma-buf fd.
 */
#ifndef IONSIM_UAPI_DMA_HEAP_H
#define IONSIM_UAPI_DMA_HEAP_H

#include <fcntl.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The fd flags an allocation may ask for; no heap flags are defined. */
#define DMA_HEAP_VALID_FD_FLAGS (O_CLOEXEC | O_ACCMODE)
#define DMA_HEAP_VALID_HEAP_FLAGS (0)

/* In: len, fd_flags, heap_flags (fd must be 0).  Out: fd. */
struct dma_heap_allocation_data {
	__u64 len;
	__u32 fd;
	__u32 fd_flags;
	__u64 heap_flags;
};

#define DMA_HEAP_IOC_MAGIC 'H'
#define DMA_HEAP_IOCTL_ALLOC _IOWR(DMA_HEAP_IOC_MAGIC, 0x0, \
				   struct dma_heap_allocation_data)

#endif /* IONSIM_UAPI_DMA_HEAP_H */
