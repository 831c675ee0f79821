/*
 * tests/model/test_ion_test.c - /dev/ion-test, Linux 4.9's ION test
 * driver: attaching a dma-buf by fd, and moving bytes between a
 * process's memory and the buffer through a DMA mapping and through the
 * kernel mapping, checked against what the process sees in its own
 * mapping of the same buffer.
 *
 * The two copy paths check different things (KERNEL_MAPPING the range,
 * DMA_MAPPING nothing) and fault differently (a fault on the way in
 * zeroes the rest of the chunk), so both get out-of-range, fault and
 * partial-fault tests.  The driver's own leak (its release never puts
 * the dma-buf) is kept and tested; the device teardown puts it.
 * Kernel reference: Linux 4.9 ion_test.c (ion_test_ioctl,
 * ion_handle_test_dma, ion_handle_test_kernel, ion_test_release) and
 * dma-buf.c (dma_buf_get, dma_buf_attach, dma_buf_kmap).
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ionsim/uapi/dma-heap.h"
#include "ionsim/uapi/ion_test.h"
#include "modelutil.h"

/* ---- user memory and calls ---------------------------------------------- */

/* A world with one process "app", its /dev/ion and its /dev/ion-test. */
struct fixture {
	struct mt_world w;
	struct sim_proc *p;
	int ion;
	int test;
};

static void setup(struct fixture *f)
{
	mt_boot(&f->w);
	f->p = mt_spawn(&f->w, "app");
	f->ion = mt_open(&f->w, f->p);
	f->test = kion_test_open(f->w.dev, f->p, SIM_O_RDWR);
	ck_assert_int_eq(f->test, 4);
}

/* A dma-buf fd of a new @len-byte buffer on heap @id (legacy ALLOC and
 * SHARE; the handle is freed, the fd holds the buffer). */
static int new_dmabuf(struct fixture *f, uint64_t len, unsigned int id)
{
	int h = mt_alloc_ok(f->p, f->ion, len, MT_MASK(id));
	int fd = mt_share_ok(f->p, f->ion, h);

	ck_assert_int_eq(mt_free(f->p, f->ion, h), 0);
	return fd;
}

static long set_fd(struct fixture *f, int fd)
{
	return mt_ioctl(f->p, f->test, ION_IOC_TEST_SET_FD,
			(void *)(intptr_t)fd);
}

/* A DMA_MAPPING or KERNEL_MAPPING of @size bytes at @offset. */
static long test_rw(struct fixture *f, unsigned int cmd, void *ptr,
		    uint64_t offset, uint64_t size, int write)
{
	struct ion_test_rw_data rw = { .ptr = (uintptr_t)ptr, .offset = offset,
				       .size = size, .write = write };

	return mt_ioctl(f->p, f->test, cmd, &rw);
}

/* The dma-buf the driver holds a reference on (only ion-test takes any
 * in these tests), or NULL. */
static struct kion_dmabuf *attached(struct fixture *f)
{
	struct kion_dmabuf *db, *held = NULL;

	for (db = f->w.dev->db_list; db; db = db->db_next) {
		if (!db->kernel_refs)
			continue;
		ck_assert_ptr_null(held);
		held = db;
	}
	return held;
}

/* ---- open and the dispatcher -------------------------------------------- */

/* Linux 4.9 ion_test.c ion_test_open: one slot per open, freed by
 * release; the misc file has no mmap. */
START_TEST(open_allocates_a_slot_per_open)
{
	struct fixture f;
	struct sim_vma *vma = NULL;
	struct sim_proc *gone;
	unsigned long objs;
	int fd;

	setup(&f);
	ck_assert_ptr_eq(sim_fd_peek(f.p, f.test)->ops, &kion_test_fops);
	ck_assert_uint_eq(sim_fd_peek(f.p, f.test)->f_mode,
			  SIM_FMODE_READ | SIM_FMODE_WRITE | SIM_FMODE_LSEEK);
	objs = sim_kobj_live(f.w.m);
	fd = kion_test_open(f.w.dev, f.p, SIM_O_RDONLY | SIM_O_CLOEXEC);
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd), SIM_FD_CLOEXEC);
	ck_assert_uint_eq(sim_kobj_live(f.w.m), objs + 2);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_uint_eq(sim_kobj_live(f.w.m), objs);
	ck_assert_int_eq(sim_mmap(f.p, f.test, 4096, SIM_PROT_READ,
				  SIM_MAP_SHARED, 0, &vma), -ENODEV);
	gone = mt_spawn(&f.w, "gone");
	ck_assert_int_eq(sim_proc_exit(gone), 0);
	ck_assert_int_eq(kion_test_open(f.w.dev, gone, SIM_O_RDWR), -ESRCH);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c ion_test_ioctl: a size over the 32-byte union is
 * EINVAL, the copy in (write bit only) comes before the match, and an
 * unknown command is ENOTTY. */
START_TEST(dispatcher_order_of_checks)
{
	struct fixture f;
	unsigned char arg[32];

	setup(&f);
	memset(arg, 0, sizeof(arg));
	ck_assert_int_eq(mt_ioctl(f.p, f.test, _IOW('I', 0xf3, char[33]), NULL),
			 -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, f.test, _IOW('I', 0xf3, char[32]), NULL),
			 -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.test, _IOW('I', 0xf3, char[32]), arg),
			 -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.test, _IOR('I', 0xf3, char[32]), NULL),
			 -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.test, ION_IOC_FREE, NULL), -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.test, ION_IOC_FREE, arg), -ENOTTY);
	/* the two copy commands read their argument */
	ck_assert_int_eq(mt_ioctl(f.p, f.test, ION_IOC_TEST_KERNEL_MAPPING,
				  NULL), -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.test, ION_IOC_TEST_DMA_MAPPING, NULL),
			 -EFAULT);
	mt_shutdown(&f.w);
}
END_TEST

/* SET_FD looks in the caller's table: no calling thread, no table. */
START_TEST(ioctl_without_a_thread_is_esrch)
{
	struct fixture f;
	struct sim_file *file;

	setup(&f);
	file = sim_fd_peek(f.p, f.test);
	ck_assert_int_eq(file->ops->ioctl(file, NULL, ION_IOC_TEST_SET_FD, 0),
			 -ESRCH);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- SET_FD ------------------------------------------------------------- */

/* Linux 4.9 ion_test.c SET_FD via dma-buf.c dma_buf_get: a closed fd is
 * EBADF, a file that is no dma-buf EINVAL; nothing is attached. */
START_TEST(set_fd_errors)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(set_fd(&f, 99), -EBADF);
	ck_assert_int_eq(set_fd(&f, 0), -EINVAL);	/* the terminal */
	ck_assert_int_eq(set_fd(&f, f.ion), -EINVAL);
	ck_assert_int_eq(set_fd(&f, f.test), -EINVAL);
	ck_assert_ptr_null(attached(&f));
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c SET_FD: the new dma-buf is got before the old
 * one is put; a negative fd only puts. */
START_TEST(set_fd_attaches_replaces_and_detaches)
{
	struct fixture f;
	struct kion_dmabuf *a, *b;
	int fa, fb;

	setup(&f);
	fa = new_dmabuf(&f, 4096, MT_SYSTEM);
	fb = new_dmabuf(&f, 4096, MT_SYSTEM);
	a = kion_dmabuf_from_file(sim_fd_peek(f.p, fa));
	b = kion_dmabuf_from_file(sim_fd_peek(f.p, fb));
	ck_assert_int_eq(set_fd(&f, fa), 0);
	ck_assert_ptr_eq(attached(&f), a);
	ck_assert_uint_eq(a->kernel_refs, 1);
	ck_assert_uint_eq(a->file->count, 2);
	ck_assert_int_eq(set_fd(&f, fa), 0);	/* again: still one */
	ck_assert_uint_eq(a->kernel_refs, 1);
	ck_assert_int_eq(set_fd(&f, fb), 0);
	ck_assert_uint_eq(a->kernel_refs, 0);
	ck_assert_uint_eq(a->file->count, 1);
	ck_assert_uint_eq(b->kernel_refs, 1);
	/* a bad fd leaves the attached one in place */
	ck_assert_int_eq(set_fd(&f, 99), -EBADF);
	ck_assert_ptr_eq(attached(&f), b);
	ck_assert_int_eq(set_fd(&f, -1), 0);
	ck_assert_ptr_null(attached(&f));
	ck_assert_uint_eq(b->kernel_refs, 0);
	ck_assert_int_eq(set_fd(&f, -5), 0);	/* nothing to drop */
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c SET_FD: the driver's dma_buf_get keeps the buffer
 * after the process closes its fd, until the detach. */
START_TEST(set_fd_reference_keeps_the_buffer)
{
	struct fixture f;
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 8192, MT_CARVEOUT);
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	ck_assert_int_eq(set_fd(&f, -1), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c ion_test_release: the slot is freed, the dma-buf
 * it held is never put, so the buffer outlives every user holder; the
 * device's teardown puts it. */
START_TEST(release_keeps_the_dma_buf_reference)
{
	struct fixture f;
	struct kion_dmabuf *db;
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 4096, MT_SYSTEM);
	db = kion_dmabuf_from_file(sim_fd_peek(f.p, fd));
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(sim_fd_close(f.p, f.test), 0);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_int_eq(sim_proc_exit(f.p), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	ck_assert_uint_eq(db->kernel_refs, 1);
	ck_assert_uint_eq(db->file->count, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- KERNEL_MAPPING ----------------------------------------------------- */

/* Linux 4.9 ion_test.c ion_handle_test_kernel: bytes written through the
 * kernel mapping are the process's, and the other way round; the
 * mapping is dropped again. */
START_TEST(kernel_mapping_round_trip)
{
	struct fixture f;
	struct kion_buffer *b;
	struct sim_vma *vma;
	char out[16];
	char *user;
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 3 * 4096, MT_SYSTEM);
	b = mt_fd_buffer(f.p, fd);
	vma = mt_mmap(f.p, fd, 3 * 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	user = vma->host;
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, "kernel!",
				 4092, 8, 1), 0);
	ck_assert_str_eq(user + 4092, "kernel!");
	memcpy(user + 8190, "user", 5);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, out, 8190, 5,
				 0), 0);
	ck_assert_str_eq(out, "user");
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_ptr_null(b->hb.vaddr);
	ck_assert_uint_eq(f.w.dev->warnings, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c ion_handle_test_kernel: offset past the end, or
 * size past what is left, is EINVAL; the exact end is fine. */
START_TEST(kernel_mapping_range_is_checked)
{
	struct fixture f;
	char buf[8192];
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 8192, MT_SYSTEM);
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, buf, 8193, 0,
				 0), -EINVAL);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, buf, 4096,
				 4097, 0), -EINVAL);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, buf, 1,
				 UINT64_MAX, 0), -EINVAL);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, buf, 8192, 0,
				 0), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, buf, 0, 8192,
				 0), 0);
	ck_assert_int_eq(mt_fd_buffer(f.p, fd)->hb.kmap_cnt, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c ion_handle_test_kernel: with nothing attached the
 * kernel dereferences NULL and oopses; counted as a WARN, EINVAL. */
START_TEST(kernel_mapping_without_a_dmabuf_is_einval)
{
	struct fixture f;
	char buf[8];

	setup(&f);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, buf, 0, 8, 0),
			 -EINVAL);
	ck_assert_uint_eq(f.w.dev->warnings, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c ion_handle_test_kernel: a user fault is EFAULT,
 * and end_cpu_access still runs. */
START_TEST(kernel_mapping_efault)
{
	struct fixture f;
	void *bad = mt_bad_page();
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 8192, MT_SYSTEM);
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, bad, 0, 16, 0),
			 -EFAULT);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, bad, 0, 16, 1),
			 -EFAULT);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, NULL, 0, 1, 0),
			 -EFAULT);
	ck_assert_int_eq(mt_fd_buffer(f.p, fd)->hb.kmap_cnt, 0);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Two host pages, the second PROT_NONE: the last @n bytes of the first
 * are readable and hold 'u'.  Give back with munmap(p, 8192). */
static unsigned char *edge_of_readable(size_t n)
{
	unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(mprotect(p + 4096, 4096, PROT_NONE), 0);
	memset(p + 4096 - n, 'u', n);
	return p + 4096 - n;
}

/* Checks bytes [from, to) of @p are all @c. */
static void all_are(const unsigned char *p, size_t from, size_t to, int c)
{
	size_t i;

	for (i = from; i < to; i++)
		ck_assert_msg(p[i] == c, "byte %zu is %d, not %d", i, p[i], c);
}

/* Linux 4.9 ion_test.c via copy_from_user: a fault part way zeroes the
 * rest of the chunk, and the copy stops there. */
static void partial_fault_zeroes_the_tail(unsigned int cmd)
{
	struct fixture f;
	struct sim_vma *vma;
	unsigned char *src = edge_of_readable(100);
	unsigned char *user;
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 2 * 4096, MT_SYSTEM);
	vma = mt_mmap(f.p, fd, 2 * 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	user = vma->host;
	memset(user, 0xaa, 2 * 4096);
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(test_rw(&f, cmd, src, 10, 300, 1), -EFAULT);
	all_are(user, 0, 10, 0xaa);
	all_are(user, 10, 110, 'u');
	all_are(user, 110, 310, 0);
	all_are(user, 310, 2 * 4096, 0xaa);
	mt_shutdown(&f.w);
	munmap(src + 100 - 4096, 8192);
}

START_TEST(kernel_mapping_partial_fault_zeroes_the_tail)
{
	partial_fault_zeroes_the_tail(ION_IOC_TEST_KERNEL_MAPPING);
}
END_TEST

/* Linux 4.9 ion.c ion_buffer_kmap_get after a count driven below zero by
 * an unmatched SYNC END: the mapping is the stale NULL.  dma_buf_kmap of
 * page 0 is then NULL, which ends the copy with nothing done and 0; a
 * later page is an oops (a WARN here, EINVAL). */
START_TEST(kernel_mapping_after_an_underflow)
{
	struct fixture f;
	struct kion_buffer *b;
	char out[8] = "same";
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 8192, MT_SYSTEM);
	b = mt_fd_buffer(f.p, fd);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_END |
				     DMA_BUF_SYNC_RW), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, -1);
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, out, 0, 4, 0),
			 0);
	ck_assert_str_eq(out, "same");
	ck_assert_uint_eq(f.w.dev->warnings, 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, out, 4096, 4,
				 0), -EINVAL);
	ck_assert_uint_eq(f.w.dev->warnings, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- DMA_MAPPING -------------------------------------------------------- */

/* Linux 4.9 ion_test.c ion_handle_test_dma: bytes move page by page
 * through the scatter list of a scattered buffer; the attachment goes
 * again. */
START_TEST(dma_mapping_round_trip)
{
	struct fixture f;
	struct kion_buffer *b;
	struct kion_dmabuf *db;
	struct sim_vma *vma;
	char in[200], out[200];
	char *user;
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 3 * 4096, MT_SYSTEM);
	b = mt_fd_buffer(f.p, fd);
	ck_assert_uint_eq(b->hb.nruns, 3);
	db = kion_dmabuf_from_file(sim_fd_peek(f.p, fd));
	vma = mt_mmap(f.p, fd, 3 * 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	user = vma->host;
	ck_assert_int_eq(set_fd(&f, fd), 0);
	memset(in, 'd', sizeof(in));
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, in, 4000, 200, 1),
			 0);
	ck_assert_int_eq(memcmp(user + 4000, in, 200), 0);
	ck_assert(b->hb.dirty);
	memset(user + 8100, 'm', 200);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, out, 8100, 200,
				 0), 0);
	all_are((unsigned char *)out, 0, 200, 'm');
	ck_assert_uint_eq(db->nattach, 0);
	ck_assert_int_eq(b->dmap_cnt, 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c ion_handle_test_dma: no range check; an offset
 * past the end copies nothing, a size past it copies what there is, and
 * both return 0. */
START_TEST(dma_mapping_checks_no_range)
{
	struct fixture f;
	unsigned char out[8192];
	struct sim_vma *vma;
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 2 * 4096, MT_CARVEOUT);
	vma = mt_mmap(f.p, fd, 2 * 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	memset(vma->host, 'b', 2 * 4096);
	ck_assert_int_eq(set_fd(&f, fd), 0);
	memset(out, 0x11, sizeof(out));
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, out, 5 * 4096, 16,
				 0), 0);
	all_are(out, 0, sizeof(out), 0x11);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, out, 4096, 8192,
				 0), 0);
	all_are(out, 0, 4096, 'b');
	all_are(out, 4096, sizeof(out), 0x11);
	ck_assert_uint_eq(f.w.dev->warnings, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 dma-buf.c dma_buf_attach: WARN_ON(!dmabuf), EINVAL. */
START_TEST(dma_mapping_without_a_dmabuf_is_einval)
{
	struct fixture f;
	char buf[8];

	setup(&f);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, buf, 0, 8, 0),
			 -EINVAL);
	ck_assert_uint_eq(f.w.dev->warnings, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_test.c ion_handle_test_dma: a user fault is EFAULT, and
 * the attachment is unmapped and detached all the same. */
START_TEST(dma_mapping_efault)
{
	struct fixture f;
	struct kion_dmabuf *db;
	void *bad = mt_bad_page();
	int fd;

	setup(&f);
	fd = new_dmabuf(&f, 8192, MT_SYSTEM);
	db = kion_dmabuf_from_file(sim_fd_peek(f.p, fd));
	ck_assert_int_eq(set_fd(&f, fd), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, bad, 0, 16, 0),
			 -EFAULT);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, bad, 4000, 200,
				 1), -EFAULT);
	ck_assert_uint_eq(db->nattach, 0);
	ck_assert_int_eq(db->buffer->dmap_cnt, 0);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

START_TEST(dma_mapping_partial_fault_zeroes_the_tail)
{
	partial_fault_zeroes_the_tail(ION_IOC_TEST_DMA_MAPPING);
}
END_TEST

/* ---- other dma-bufs ----------------------------------------------------- */

/* A 4.12+ ALLOC fd and a DMA-BUF heap fd attach like any dma-buf; the
 * heap's buffer is mapped for the copy and unmapped after. */
START_TEST(works_with_modern_and_dma_heap_buffers)
{
	struct kion_config cfg = { .abi = KION_ABI_MODERN,
				   .kernel = KION_KERNEL_4_19 };
	struct ion_new_allocation_data a = { .len = 4096,
					     .heap_id_mask = MT_MASK(MT_CMA) };
	struct dma_heap_allocation_data h = { .len = 8192,
					      .fd_flags = O_RDWR };
	struct fixture f;
	struct kion_buffer *b;
	char out[8];
	int node;

	mt_boot_full(&f.w, &cfg, NULL, 0);
	ck_assert_int_eq(kion_dmaheap_add(f.w.dev, "system",
					  kion_heap_by_name(f.w.dev, "system")),
			 0);
	f.p = mt_spawn(&f.w, "app");
	f.ion = mt_open(&f.w, f.p);
	f.test = kion_test_open(f.w.dev, f.p, SIM_O_RDWR);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_NEW_ALLOC, &a), 0);
	ck_assert_int_eq(set_fd(&f, (int)a.fd), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, "ion", 0, 4,
				 1), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, out, 0, 4, 0), 0);
	ck_assert_str_eq(out, "ion");
	node = kion_dmaheap_open(f.w.dev, f.p, "system", SIM_O_RDONLY);
	ck_assert_int_eq(mt_ioctl(f.p, node, DMA_HEAP_IOCTL_ALLOC, &h), 0);
	ck_assert_int_eq(set_fd(&f, (int)h.fd), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_KERNEL_MAPPING, "heap", 4094,
				 5, 1), 0);
	ck_assert_int_eq(test_rw(&f, ION_IOC_TEST_DMA_MAPPING, out, 4094, 5, 0),
			 0);
	ck_assert_str_eq(out, "heap");
	b = mt_fd_buffer(f.p, (int)h.fd);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_ptr_null(b->hb.vaddr);
	ck_assert_int_eq(set_fd(&f, -1), 0);
	mt_shutdown(&f.w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/ion_test");
	TCase *tc;

	tc = tcase_create("device");
	tcase_add_test(tc, open_allocates_a_slot_per_open);
	tcase_add_test(tc, dispatcher_order_of_checks);
	tcase_add_test(tc, ioctl_without_a_thread_is_esrch);
	suite_add_tcase(s, tc);

	tc = tcase_create("set_fd");
	tcase_add_test(tc, set_fd_errors);
	tcase_add_test(tc, set_fd_attaches_replaces_and_detaches);
	tcase_add_test(tc, set_fd_reference_keeps_the_buffer);
	tcase_add_test(tc, release_keeps_the_dma_buf_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("kernel_mapping");
	tcase_add_test(tc, kernel_mapping_round_trip);
	tcase_add_test(tc, kernel_mapping_range_is_checked);
	tcase_add_test(tc, kernel_mapping_without_a_dmabuf_is_einval);
	tcase_add_test(tc, kernel_mapping_efault);
	tcase_add_test(tc, kernel_mapping_partial_fault_zeroes_the_tail);
	tcase_add_test(tc, kernel_mapping_after_an_underflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("dma_mapping");
	tcase_add_test(tc, dma_mapping_round_trip);
	tcase_add_test(tc, dma_mapping_checks_no_range);
	tcase_add_test(tc, dma_mapping_without_a_dmabuf_is_einval);
	tcase_add_test(tc, dma_mapping_efault);
	tcase_add_test(tc, dma_mapping_partial_fault_zeroes_the_tail);
	suite_add_tcase(s, tc);

	tc = tcase_create("exporters");
	tcase_add_test(tc, works_with_modern_and_dma_heap_buffers);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
