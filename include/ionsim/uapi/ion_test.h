/*
 * ionsim/uapi/ion_test.h - /dev/ion-test, the kernel's ION test driver
 * (Linux 4.9 CONFIG_ION_TEST): attach a dma-buf fd, then copy bytes
 * between user memory and the buffer through a DMA mapping or a kernel
 * mapping.  AOSP's device tests drive ION through it.
 */
#ifndef IONSIM_UAPI_ION_TEST_H
#define IONSIM_UAPI_ION_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ptr: user buffer; offset/size: the range of the dma-buf; write: the
 * direction (non-zero: user -> buffer). */
struct ion_test_rw_data {
	__u64 ptr;
	__u64 offset;
	__u64 size;
	int write;
	int __padding;
};

#define ION_IOC_MAGIC_TEST 'I'
#define ION_IOC_TEST_SET_FD _IO(ION_IOC_MAGIC_TEST, 0xf0)
#define ION_IOC_TEST_DMA_MAPPING _IOW(ION_IOC_MAGIC_TEST, 0xf1, \
				      struct ion_test_rw_data)
#define ION_IOC_TEST_KERNEL_MAPPING _IOW(ION_IOC_MAGIC_TEST, 0xf2, \
					 struct ion_test_rw_data)

#endif /* IONSIM_UAPI_ION_TEST_H */
