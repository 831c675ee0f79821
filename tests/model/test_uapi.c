/*
 * tests/model/test_uapi.c - the UAPI headers against the kernel's ABI:
 * every ioctl number, struct size and field offset that userspace
 * binaries bake in (ION-SPEC 1.2-1.4, 1.9, 2.2, 8.1).  A wrong number
 * here would make every other suite's errno meaningless.
 * Kernel references: Linux 4.9 drivers/staging/android/uapi/ion.h and
 * ion_test.h, 4.14 uapi/ion.h, 5.10 include/uapi/linux/dma-heap.h and
 * dma-buf.h, all for LP64.
 */
#include <fcntl.h>
#include <stddef.h>

#include "ionsim/uapi/dma-buf.h"
#include "ionsim/uapi/dma-heap.h"
#include "ionsim/uapi/ion.h"
#include "ionsim/uapi/ion_test.h"
#include "testlib.h"

#define OFF(type, field) offsetof(struct type, field)

/* --- legacy structs (1.3) ------------------------------------------ */

START_TEST(allocation_data_layout_lp64)
{
	ck_assert_uint_eq(sizeof(struct ion_allocation_data), 32);
	ck_assert_uint_eq(OFF(ion_allocation_data, len), 0);
	ck_assert_uint_eq(OFF(ion_allocation_data, align), 8);
	ck_assert_uint_eq(OFF(ion_allocation_data, heap_id_mask), 16);
	ck_assert_uint_eq(OFF(ion_allocation_data, flags), 20);
	ck_assert_uint_eq(OFF(ion_allocation_data, handle), 24);
}
END_TEST

START_TEST(fd_and_handle_data_layout)
{
	ck_assert_uint_eq(sizeof(struct ion_fd_data), 8);
	ck_assert_uint_eq(OFF(ion_fd_data, handle), 0);
	ck_assert_uint_eq(OFF(ion_fd_data, fd), 4);
	ck_assert_uint_eq(sizeof(struct ion_handle_data), 4);
	ck_assert_uint_eq(OFF(ion_handle_data, handle), 0);
	ck_assert_uint_eq(sizeof(ion_user_handle_t), sizeof(int));
}
END_TEST

START_TEST(custom_data_layout_lp64)
{
	ck_assert_uint_eq(sizeof(struct ion_custom_data), 16);
	ck_assert_uint_eq(OFF(ion_custom_data, cmd), 0);
	ck_assert_uint_eq(OFF(ion_custom_data, arg), 8);
}
END_TEST

START_TEST(heap_data_and_query_layout)
{
	ck_assert_uint_eq(sizeof(struct ion_heap_data), 52);
	ck_assert_uint_eq(OFF(ion_heap_data, name), 0);
	ck_assert_uint_eq(OFF(ion_heap_data, type), 32);
	ck_assert_uint_eq(OFF(ion_heap_data, heap_id), 36);
	ck_assert_uint_eq(OFF(ion_heap_data, reserved0), 40);
	ck_assert_uint_eq(OFF(ion_heap_data, reserved1), 44);
	ck_assert_uint_eq(OFF(ion_heap_data, reserved2), 48);
	ck_assert_uint_eq(sizeof(struct ion_heap_query), 24);
	ck_assert_uint_eq(OFF(ion_heap_query, cnt), 0);
	ck_assert_uint_eq(OFF(ion_heap_query, reserved0), 4);
	ck_assert_uint_eq(OFF(ion_heap_query, heaps), 8);
	ck_assert_uint_eq(OFF(ion_heap_query, reserved1), 16);
	ck_assert_uint_eq(OFF(ion_heap_query, reserved2), 20);
}
END_TEST

/* --- constants (1.2) ------------------------------------------------- */

START_TEST(legacy_constants)
{
	ck_assert_int_eq(ION_IOC_MAGIC, 0x49);
	ck_assert_uint_eq(ION_NUM_HEAP_IDS, 32);
	ck_assert_int_eq(MAX_HEAP_NAME, 32);
	ck_assert_int_eq(ION_FLAG_CACHED, 1);
	ck_assert_int_eq(ION_FLAG_CACHED_NEEDS_SYNC, 2);
	ck_assert_int_eq(ION_HEAP_TYPE_SYSTEM, 0);
	ck_assert_int_eq(ION_HEAP_TYPE_SYSTEM_CONTIG, 1);
	ck_assert_int_eq(ION_HEAP_TYPE_CARVEOUT, 2);
	ck_assert_int_eq(ION_HEAP_TYPE_CHUNK, 3);
	ck_assert_int_eq(ION_HEAP_TYPE_DMA, 4);
	ck_assert_int_eq(ION_HEAP_TYPE_CUSTOM, 5);
}
END_TEST

/* --- legacy ioctl numbers (1.4) ------------------------------------------ */

START_TEST(legacy_ioctl_numbers_lp64)
{
	ck_assert_uint_eq(ION_IOC_ALLOC, 0xC0204900u);
	ck_assert_uint_eq(ION_IOC_FREE, 0xC0044901u);
	ck_assert_uint_eq(ION_IOC_MAP, 0xC0084902u);
	ck_assert_uint_eq(ION_IOC_SHARE, 0xC0084904u);
	ck_assert_uint_eq(ION_IOC_IMPORT, 0xC0084905u);
	ck_assert_uint_eq(ION_IOC_CUSTOM, 0xC0104906u);
	ck_assert_uint_eq(ION_IOC_SYNC, 0xC0084907u);
	ck_assert_uint_eq(ION_IOC_HEAP_QUERY, 0xC0184908u);
}
END_TEST

/* The 32-bit encodings differ only by size: _IOWR packs it at bit 16. */
START_TEST(legacy_ioctl_numbers_ilp32_by_formula)
{
	ck_assert_uint_eq(_IOC(_IOC_READ | _IOC_WRITE, 'I', 0, 20), 0xC0144900u);
	ck_assert_uint_eq(_IOC(_IOC_READ | _IOC_WRITE, 'I', 6, 8), 0xC0084906u);
	ck_assert_uint_eq(_IOC_SIZE(ION_IOC_ALLOC),
			  sizeof(struct ion_allocation_data));
	ck_assert_uint_eq(_IOC_NR(ION_IOC_SHARE), 4);
	ck_assert_uint_eq(_IOC_TYPE(ION_IOC_SHARE), 'I');
	ck_assert_uint_eq(_IOC_DIR(ION_IOC_FREE), _IOC_READ | _IOC_WRITE);
}
END_TEST

/* --- the 4.12+ ABI (2.2) --------------------------------------------------- */

START_TEST(new_allocation_data_layout)
{
	ck_assert_uint_eq(sizeof(struct ion_new_allocation_data), 24);
	ck_assert_uint_eq(OFF(ion_new_allocation_data, len), 0);
	ck_assert_uint_eq(OFF(ion_new_allocation_data, heap_id_mask), 8);
	ck_assert_uint_eq(OFF(ion_new_allocation_data, flags), 12);
	ck_assert_uint_eq(OFF(ion_new_allocation_data, fd), 16);
	ck_assert_uint_eq(OFF(ion_new_allocation_data, unused), 20);
}
END_TEST

START_TEST(new_ioctl_numbers)
{
	ck_assert_uint_eq(ION_IOC_NEW_ALLOC, 0xC0184900u);
	ck_assert_uint_eq(ION_IOC_HEAP_QUERY, 0xC0184908u);
	/* Android's ABI_VERSION: _IOR('I', 9, __u32). */
	ck_assert_uint_eq(ION_IOC_ABI_VERSION, 0x80044909u);
}
END_TEST

/* --- dma-buf sync (1.9) ------------------------------------------------------ */

START_TEST(dma_buf_sync_numbers)
{
	ck_assert_uint_eq(sizeof(struct dma_buf_sync), 8);
	ck_assert_uint_eq(DMA_BUF_IOCTL_SYNC, 0x40086200u);
	ck_assert_int_eq(DMA_BUF_SYNC_READ, 1);
	ck_assert_int_eq(DMA_BUF_SYNC_WRITE, 2);
	ck_assert_int_eq(DMA_BUF_SYNC_RW, 3);
	ck_assert_int_eq(DMA_BUF_SYNC_START, 0);
	ck_assert_int_eq(DMA_BUF_SYNC_END, 4);
	ck_assert_int_eq(DMA_BUF_SYNC_VALID_FLAGS_MASK, 7);
}
END_TEST

/* --- DMA-BUF heaps (8.1) ------------------------------------------------------- */

START_TEST(dma_heap_layout_and_number)
{
	ck_assert_uint_eq(sizeof(struct dma_heap_allocation_data), 24);
	ck_assert_uint_eq(OFF(dma_heap_allocation_data, len), 0);
	ck_assert_uint_eq(OFF(dma_heap_allocation_data, fd), 8);
	ck_assert_uint_eq(OFF(dma_heap_allocation_data, fd_flags), 12);
	ck_assert_uint_eq(OFF(dma_heap_allocation_data, heap_flags), 16);
	ck_assert_uint_eq(DMA_HEAP_IOCTL_ALLOC, 0xC0184800u);
	ck_assert_uint_eq(DMA_HEAP_VALID_FD_FLAGS, 0x80003u);
	ck_assert_uint_eq(DMA_HEAP_VALID_HEAP_FLAGS, 0);
}
END_TEST

/* --- /dev/ion-test (1.4) ---------------------------------------------------------- */

START_TEST(ion_test_layout_and_numbers)
{
	ck_assert_uint_eq(sizeof(struct ion_test_rw_data), 32);
	ck_assert_uint_eq(OFF(ion_test_rw_data, ptr), 0);
	ck_assert_uint_eq(OFF(ion_test_rw_data, offset), 8);
	ck_assert_uint_eq(OFF(ion_test_rw_data, size), 16);
	ck_assert_uint_eq(OFF(ion_test_rw_data, write), 24);
	ck_assert_uint_eq(ION_IOC_TEST_SET_FD, 0x000049F0u);
	ck_assert_uint_eq(ION_IOC_TEST_DMA_MAPPING, 0x402049F1u);
	ck_assert_uint_eq(ION_IOC_TEST_KERNEL_MAPPING, 0x402049F2u);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/uapi");
	TCase *tc = tcase_create("legacy");

	tcase_add_test(tc, allocation_data_layout_lp64);
	tcase_add_test(tc, fd_and_handle_data_layout);
	tcase_add_test(tc, custom_data_layout_lp64);
	tcase_add_test(tc, heap_data_and_query_layout);
	tcase_add_test(tc, legacy_constants);
	tcase_add_test(tc, legacy_ioctl_numbers_lp64);
	tcase_add_test(tc, legacy_ioctl_numbers_ilp32_by_formula);
	suite_add_tcase(s, tc);
	tc = tcase_create("modern");
	tcase_add_test(tc, new_allocation_data_layout);
	tcase_add_test(tc, new_ioctl_numbers);
	tcase_add_test(tc, dma_buf_sync_numbers);
	tcase_add_test(tc, dma_heap_layout_and_number);
	tcase_add_test(tc, ion_test_layout_and_numbers);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
