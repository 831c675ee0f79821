/*
 * ionsim/uapi/dma-buf.h - the ioctl a dma-buf fd answers: CPU access
 * bracketing (DMA_BUF_IOCTL_SYNC), as Linux 4.9-5.10 define it.
 */
#ifndef IONSIM_UAPI_DMA_BUF_H
#define IONSIM_UAPI_DMA_BUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct dma_buf_sync {
	__u64 flags;
};

#define DMA_BUF_SYNC_READ (1 << 0)
#define DMA_BUF_SYNC_WRITE (2 << 0)
#define DMA_BUF_SYNC_RW (DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE)
#define DMA_BUF_SYNC_START (0 << 2)
#define DMA_BUF_SYNC_END (1 << 2)
#define DMA_BUF_SYNC_VALID_FLAGS_MASK (DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END)

#define DMA_BUF_BASE 'b'
#define DMA_BUF_IOCTL_SYNC _IOW(DMA_BUF_BASE, 0, struct dma_buf_sync)

#endif /* IONSIM_UAPI_DMA_BUF_H */
