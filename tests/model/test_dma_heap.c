/*
 * tests/model/test_dma_heap.c - /dev/dma_heap/NAME as Linux 5.10 has it:
 * the open, the generic dispatcher that looks at nothing but the
 * command's number, ALLOC's checks in their order, the fd and file flags
 * the caller picks, and the dma-buf that comes out: mapped, passed to
 * another process, synced, and freed with its last holder.
 *
 * The dispatcher copies the argument back after ALLOC whatever ALLOC
 * said, and sizes its copies from the user's command, so several tests
 * feed odd encodings (another magic, no direction, a short or a long
 * size) and read-only memory to pin that down.
 * Kernel reference: Linux 5.10 dma-heap.c (dma_heap_open, dma_heap_ioctl,
 * dma_heap_ioctl_allocate, dma_heap_buffer_alloc), heaps/system_heap.c,
 * heaps/cma_heap.c and heaps/heap-helpers.c (export, mmap, CPU access).
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ionsim/uapi/dma-heap.h"
#include "modelutil.h"

/* ---- user memory and calls ---------------------------------------------- */

/* A world with the default board, nodes "system" and "cma" as a 5.10
 * kernel has them, and one process "app" with the system node open. */
struct fixture {
	struct mt_world w;
	struct sim_proc *p;
	int sys;	/* /dev/dma_heap/system */
	int cma;	/* /dev/dma_heap/cma */
};

static void add_node(struct mt_world *w, const char *name, const char *heap)
{
	struct heap *h = kion_heap_by_name(w->dev, heap);

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(kion_dmaheap_add(w->dev, name, h), 0);
}

static int open_node(struct fixture *f, const char *name)
{
	int fd = kion_dmaheap_open(f->w.dev, f->p, name,
				   SIM_O_RDONLY | SIM_O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static void setup_abi(struct fixture *f, enum kion_abi abi)
{
	struct kion_config cfg = { .abi = abi, .kernel = KION_KERNEL_4_9_337 };

	if (abi == KION_ABI_MODERN)
		cfg.kernel = KION_KERNEL_4_19;
	mt_boot_full(&f->w, &cfg, NULL, 0);
	add_node(&f->w, "system", "system");
	add_node(&f->w, "cma", "cma");
	f->p = mt_spawn(&f->w, "app");
	f->sys = open_node(f, "system");
	f->cma = open_node(f, "cma");
}

static void setup(struct fixture *f)
{
	setup_abi(f, KION_ABI_LEGACY);
}

/* DMA_HEAP_IOCTL_ALLOC on node fd @hfd; *@fd gets the fd field back. */
static long heap_alloc(struct sim_proc *p, int hfd, uint64_t len,
		       unsigned int fd_flags, uint64_t heap_flags, int *fd)
{
	struct dma_heap_allocation_data a = { .len = len, .fd_flags = fd_flags,
					      .heap_flags = heap_flags };
	long ret = mt_ioctl(p, hfd, DMA_HEAP_IOCTL_ALLOC, &a);

	if (fd)
		*fd = (int)a.fd;
	return ret;
}

/* An ALLOC with O_RDWR | O_CLOEXEC that must succeed: the fd. */
static int heap_alloc_ok(struct sim_proc *p, int hfd, uint64_t len)
{
	int fd = -1;

	ck_assert_int_eq(heap_alloc(p, hfd, len, O_RDWR | O_CLOEXEC, 0, &fd), 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* ---- open --------------------------------------------------------------- */

/* Linux 5.10 dma-heap.c dma_heap_open: an unknown minor is ENODEV. */
START_TEST(open_unknown_node_is_enodev)
{
	struct fixture f;
	struct sim_proc *gone;

	setup(&f);
	ck_assert_int_eq(kion_dmaheap_open(f.w.dev, f.p, "carveout", SIM_O_RDWR),
			 -ENODEV);
	ck_assert_int_eq(kion_dmaheap_open(f.w.dev, f.p, "", SIM_O_RDWR),
			 -ENODEV);
	gone = mt_spawn(&f.w, "gone");
	ck_assert_int_eq(sim_proc_exit(gone), 0);
	ck_assert_int_eq(kion_dmaheap_open(f.w.dev, gone, "system", SIM_O_RDWR),
			 -ESRCH);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_open: the node is the private data, the
 * file cannot seek (nonseekable_open), and it has no mmap. */
START_TEST(open_gives_a_nonseekable_node_file)
{
	struct fixture f;
	struct sim_file *file;
	struct sim_vma *vma = NULL;
	int fd;

	setup(&f);
	file = sim_fd_peek(f.p, f.sys);
	ck_assert_ptr_eq(file->ops, &kion_dmaheap_fops);
	ck_assert_ptr_eq(file->private_data, &f.w.dev->dmaheaps[0]);
	ck_assert_uint_eq(file->f_mode, SIM_FMODE_READ);
	ck_assert_int_eq(sim_fd_get_flags(f.p, f.sys), SIM_FD_CLOEXEC);
	ck_assert_ptr_null(file->ops->llseek);
	fd = kion_dmaheap_open(f.w.dev, f.p, "cma", SIM_O_RDWR);
	ck_assert_uint_eq(sim_fd_peek(f.p, fd)->f_mode,
			  SIM_FMODE_READ | SIM_FMODE_WRITE);
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd), 0);
	ck_assert_int_eq(sim_mmap(f.p, fd, 4096, SIM_PROT_READ, SIM_MAP_SHARED,
				  0, &vma), -ENODEV);
	mt_shutdown(&f.w);
}
END_TEST

/* An ioctl with no calling thread has no fd table for the fd. */
START_TEST(ioctl_without_a_thread_is_esrch)
{
	struct fixture f;
	struct dma_heap_allocation_data a = { .len = 4096 };
	struct sim_file *file;

	setup(&f);
	file = sim_fd_peek(f.p, f.sys);
	ck_assert_int_eq(file->ops->ioctl(file, NULL, DMA_HEAP_IOCTL_ALLOC,
					  (unsigned long)&a), -ESRCH);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- ALLOC -------------------------------------------------------------- */

/* Linux 5.10 heaps/system_heap.c and heap-helpers.c: the dma-buf is
 * exported with fd_flags as its file flags, by heap-helpers, and
 * installed with fd_flags. */
START_TEST(alloc_gives_the_fd_and_file_asked_for)
{
	struct fixture f;
	struct kion_dmabuf *db;
	struct sim_file *file;
	int fd;

	setup(&f);
	fd = heap_alloc_ok(f.p, f.sys, 10000);
	ck_assert_int_eq(fd, 5);
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd), SIM_FD_CLOEXEC);
	file = sim_fd_peek(f.p, fd);
	ck_assert_uint_eq(file->f_flags, SIM_O_RDWR);
	ck_assert_uint_eq(file->f_mode, SIM_FMODE_READ | SIM_FMODE_WRITE |
					SIM_FMODE_LSEEK);
	db = kion_dmabuf_from_file(file);
	ck_assert_ptr_nonnull(db);
	ck_assert_str_eq(db->exp_name, "heap_helpers");
	ck_assert(!kion_dmabuf_is_ion(db));
	ck_assert_uint_eq(db->size, 12288);
	ck_assert_ptr_eq(db->buffer->modern_dmabuf, db);
	ck_assert_uint_eq(db->buffer->ref, 1);
	ck_assert_uint_eq(db->buffer->size, 12288);
	ck_assert_str_eq(heap_name(db->buffer->heap), "system");
	ck_assert_str_eq(db->buffer->alloc_comm, "app");
	ck_assert_uint_eq(f.w.dev->nclients, 0);
	fd = heap_alloc_ok(f.p, f.cma, 4096);
	ck_assert_str_eq(heap_name(mt_fd_buffer(f.p, fd)->heap), "cma");
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c: O_CLOEXEC and the access mode are the caller's;
 * an O_RDONLY dma-buf cannot be mapped for writing. */
START_TEST(alloc_fd_flags_pick_access_and_cloexec)
{
	struct fixture f;
	struct sim_vma *vma = NULL;
	int fd;

	setup(&f);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, O_RDONLY, 0, &fd), 0);
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd), 0);
	ck_assert_uint_eq(sim_fd_peek(f.p, fd)->f_flags, SIM_O_RDONLY);
	ck_assert_uint_eq(sim_fd_peek(f.p, fd)->f_mode,
			  SIM_FMODE_READ | SIM_FMODE_LSEEK);
	ck_assert_int_eq(sim_mmap(f.p, fd, 4096, SIM_PROT_READ | SIM_PROT_WRITE,
				  SIM_MAP_SHARED, 0, &vma), -EACCES);
	ck_assert_int_eq(sim_mmap(f.p, fd, 4096, SIM_PROT_READ, SIM_MAP_SHARED,
				  0, &vma), 0);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, O_WRONLY, 0, &fd), 0);
	ck_assert_uint_eq(sim_fd_peek(f.p, fd)->f_mode,
			  SIM_FMODE_WRITE | SIM_FMODE_LSEEK);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, O_ACCMODE | O_CLOEXEC, 0,
				    &fd), 0);
	ck_assert_uint_eq(sim_fd_peek(f.p, fd)->f_mode, SIM_FMODE_LSEEK);
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd), SIM_FD_CLOEXEC);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl_allocate: fd must be 0 on input. */
START_TEST(alloc_fd_not_zero_is_einval)
{
	struct fixture f;
	struct dma_heap_allocation_data a = { .len = 4096, .fd = 3,
					      .fd_flags = O_RDWR };

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, DMA_HEAP_IOCTL_ALLOC, &a), -EINVAL);
	ck_assert_uint_eq(a.fd, 3);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl_allocate: fd_flags beyond
 * O_CLOEXEC | O_ACCMODE are EINVAL. */
START_TEST(alloc_bad_fd_flags_are_einval)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, O_RDWR | O_NONBLOCK, 0,
				    NULL), -EINVAL);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, O_APPEND, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, 0x80000000u, 0, NULL),
			 -EINVAL);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(sim_fd_count(f.p), 5);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl_allocate: no heap flag is valid. */
START_TEST(alloc_any_heap_flag_is_einval)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, O_RDWR, 1, NULL), -EINVAL);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 4096, O_RDWR, 1ULL << 63, NULL),
			 -EINVAL);
	/* the checks come before the length's */
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 0, O_RDWR, 1, NULL), -EINVAL);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_buffer_alloc: PAGE_ALIGN(len) == 0. */
START_TEST(alloc_zero_or_wrapping_len_is_einval)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(heap_alloc(f.p, f.sys, 0, O_RDWR, 0, NULL), -EINVAL);
	ck_assert_int_eq(heap_alloc(f.p, f.cma, UINT64_MAX - 10, O_RDWR, 0,
				    NULL), -EINVAL);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(sim_fd_count(f.p), 5);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 heaps/cma_heap.c: a failed cma_alloc is ENOMEM, and the
 * node never falls through to another heap. */
START_TEST(alloc_failure_is_enomem_with_no_fallthrough)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(heap_alloc(f.p, f.cma, 64 * MT_M, O_RDWR, 0, NULL),
			 -ENOMEM);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(mt_metrics(&f.w, "system").allocs, 0);
	ck_assert_uint_eq(mt_metrics(&f.w, "cma").failures, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: the fd is copied back after the
 * install with no undo, so EFAULT leaves it installed. */
START_TEST(alloc_copy_back_efault_leaks_the_fd)
{
	struct fixture f;
	struct dma_heap_allocation_data a = { .len = 8192,
					      .fd_flags = O_RDWR | O_CLOEXEC };
	void *ro = mt_ro_page(&a, sizeof(a));

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, DMA_HEAP_IOCTL_ALLOC, ro), -EFAULT);
	ck_assert_uint_eq(sim_fd_count(f.p), 6);
	ck_assert_int_eq(sim_fd_get_flags(f.p, 5), SIM_FD_CLOEXEC);
	ck_assert_uint_eq(mt_fd_buffer(f.p, 5)->size, 8192);
	ck_assert_int_eq(sim_fd_close(f.p, 5), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
	munmap(ro, 4096);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: the copy back runs after ALLOC
 * whatever it returned: a refused ALLOC on read-only memory is EFAULT. */
START_TEST(refused_alloc_is_still_copied_back)
{
	struct fixture f;
	struct dma_heap_allocation_data a = { .len = 4096, .fd = 1 };
	void *ro = mt_ro_page(&a, sizeof(a));

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, DMA_HEAP_IOCTL_ALLOC, ro), -EFAULT);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(sim_fd_count(f.p), 5);
	mt_shutdown(&f.w);
	munmap(ro, 4096);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: the argument is copied in first. */
START_TEST(alloc_copy_in_efault)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, DMA_HEAP_IOCTL_ALLOC, NULL),
			 -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, DMA_HEAP_IOCTL_ALLOC, bad),
			 -EFAULT);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 5.10 heaps/system_heap.c: dma_buf_fd fails, dma_buf_put frees. */
START_TEST(alloc_without_an_fd_is_emfile_and_frees)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(sim_fault_arm(f.w.m, SIM_FAULT_FD, 1), 0);
	ck_assert_int_eq(heap_alloc(f.p, f.cma, 4096, O_RDWR, 0, NULL), -EMFILE);
	mt_assert_nothing_allocated(&f.w, "cma");
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 heaps/cma_heap.c: a failed export frees the pages and
 * returns its errno. */
START_TEST(alloc_export_failure_is_enomem_and_frees)
{
	struct fixture f;

	setup(&f);
	sim_fault_set_hook(f.w.m, mt_fail_kobj_after_buffer, &f.w);
	ck_assert_int_eq(heap_alloc(f.p, f.cma, 4096, O_RDWR, 0, NULL), -ENOMEM);
	sim_fault_set_hook(f.w.m, NULL, NULL);
	mt_assert_nothing_allocated(&f.w, "cma");
	mt_shutdown(&f.w);
}
END_TEST

/* ---- the dispatcher ----------------------------------------------------- */

/* Linux 5.10 dma-heap.c dma_heap_ioctl: nr beyond the one-entry table is
 * EINVAL, before anything is copied. */
START_TEST(nr_not_0_is_einval)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, _IOWR('H', 1,
			 struct dma_heap_allocation_data), NULL), -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, _IO('Z', 9), NULL), -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, ION_IOC_HEAP_QUERY, NULL),
			 -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, _IOC(_IOC_READ | _IOC_WRITE, 'H',
						    0xff, 16000), NULL), -EINVAL);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: the magic is not checked. */
START_TEST(any_magic_with_nr_0_is_alloc)
{
	struct fixture f;
	struct dma_heap_allocation_data a = { .len = 4096, .fd_flags = O_RDWR };

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys,
				  _IOWR('X', 0, struct dma_heap_allocation_data),
				  &a), 0);
	ck_assert_uint_eq(a.fd, 5);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: DMA_BUF_IOCTL_SYNC on a node is
 * nr 0 with only the write bit: its 8 bytes are the length, the rest is
 * zero, and nothing comes back, so the new fd is never seen. */
START_TEST(dma_buf_sync_on_a_node_allocates_and_leaks)
{
	struct fixture f;
	struct dma_buf_sync s = { .flags = 4096 };

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, DMA_BUF_IOCTL_SYNC, &s), 0);
	ck_assert_uint_eq(s.flags, 4096);
	ck_assert_uint_eq(sim_fd_count(f.p), 6);
	ck_assert_uint_eq(mt_fd_buffer(f.p, 5)->size, 4096);
	/* fd_flags came in as 0: O_RDONLY, no O_CLOEXEC */
	ck_assert_int_eq(sim_fd_get_flags(f.p, 5), 0);
	ck_assert_uint_eq(sim_fd_peek(f.p, 5)->f_flags, SIM_O_RDONLY);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: with no direction bit nothing is
 * copied either way; the zeroed argument has len 0. */
START_TEST(no_direction_is_a_zero_length)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, _IO('H', 0), NULL), -EINVAL);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: a user size of 8 copies the
 * length in and back and nothing else: the fd is installed unseen. */
START_TEST(short_size_copies_only_its_bytes)
{
	struct fixture f;
	struct dma_heap_allocation_data a = { .len = 4096, .fd = 0x55 };

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, _IOC(_IOC_READ | _IOC_WRITE, 'H',
						    0, 8), &a), 0);
	ck_assert_uint_eq(a.fd, 0x55);	/* never read, never written */
	ck_assert_uint_eq(a.len, 4096);
	ck_assert_uint_eq(sim_fd_count(f.p), 6);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-heap.c dma_heap_ioctl: over 128 bytes the kernel copy is
 * kmalloc'd (ENOMEM before the copy in); all of it goes in and back. */
START_TEST(long_size_goes_through_kmalloc)
{
	struct fixture f;
	unsigned char arg[200];
	struct dma_heap_allocation_data a = { .len = 4096,
					      .fd_flags = O_RDWR | O_CLOEXEC };
	const unsigned int cmd = _IOC(_IOC_READ | _IOC_WRITE, 'H', 0, 200);

	setup(&f);
	memset(arg, 0x5a, sizeof(arg));
	memcpy(arg, &a, sizeof(a));
	ck_assert_int_eq(sim_fault_arm(f.w.m, SIM_FAULT_KOBJ, 1), 0);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, cmd, NULL), -ENOMEM);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, cmd, NULL), -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.sys, cmd, arg), 0);
	memcpy(&a, arg, sizeof(a));
	ck_assert_uint_eq(a.fd, 5);
	ck_assert_uint_eq(arg[199], 0x5a);
	ck_assert_int_eq(sim_fd_get_flags(f.p, 5), SIM_FD_CLOEXEC);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- the dma-buf -------------------------------------------------------- */

/* Two processes see the same bytes through their own mappings of a heap
 * buffer passed by fd. */
START_TEST(bytes_shared_between_processes)
{
	struct fixture f;
	struct sim_proc *q;
	struct sim_vma *va, *vb;
	const uint64_t len = 5 * 4096;
	char *pa, *pb;
	int fd, qfd;

	setup(&f);
	q = mt_spawn(&f.w, "peer");
	fd = heap_alloc_ok(f.p, f.cma, len);
	qfd = sim_fd_send(f.p, fd, q);
	ck_assert_int_ge(qfd, 0);
	va = mt_mmap(f.p, fd, len, SIM_PROT_READ | SIM_PROT_WRITE);
	vb = mt_mmap(q, qfd, len, SIM_PROT_READ | SIM_PROT_WRITE);
	pa = va->host;
	pb = vb->host;
	ck_assert_int_eq(pb[len - 1], 0);	/* the heaps zero their pages */
	memcpy(pa + 4090, "across", 7);
	ck_assert_str_eq(pb + 4090, "across");
	pb[len - 1] = 'z';
	ck_assert_int_eq(pa[len - 1], 'z');
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 heap-helpers.c dma_heap_dma_buf_release: the buffer goes
 * with the dma-buf's last holder, fd or mapping. */
START_TEST(lifetime_fd_then_mapping)
{
	struct fixture f;
	struct sim_vma *vma;
	int fd;

	setup(&f);
	fd = heap_alloc_ok(f.p, f.cma, 8192);
	vma = mt_mmap(f.p, fd, 8192, SIM_PROT_READ);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	sim_vma_unmap(vma);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(mt_metrics(&f.w, "cma").live, 0);
	/* the node file stays usable and owns nothing */
	fd = heap_alloc_ok(f.p, f.cma, 8192);
	ck_assert_int_eq(sim_fd_close(f.p, f.cma), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	ck_assert_int_eq(sim_proc_exit(f.p), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 dma-buf.c dma_buf_ioctl and heap-helpers.c CPU access: SYNC
 * checks its flags and brackets no kernel mapping on a heap buffer. */
START_TEST(sync_on_heap_buffers)
{
	struct fixture f;
	struct kion_buffer *b;
	int fd;

	setup(&f);
	fd = heap_alloc_ok(f.p, f.sys, 8192);
	b = mt_fd_buffer(f.p, fd);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_START |
				     DMA_BUF_SYNC_RW), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_END |
				     DMA_BUF_SYNC_WRITE), 0);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_END), -EINVAL);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_READ | 0x10),
			 -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, fd, DMA_HEAP_IOCTL_ALLOC, NULL), -ENOTTY);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_import_dma_buf: another exporter's dma-buf cannot
 * become an ION handle. */
START_TEST(legacy_import_of_a_heap_fd_is_einval)
{
	struct fixture f;
	int ion, fd, h = 99;

	setup(&f);
	ion = mt_open(&f.w, f.p);
	fd = heap_alloc_ok(f.p, f.sys, 4096);
	ck_assert_int_eq(mt_import(f.p, ion, fd, &h), -EINVAL);
	ck_assert_uint_eq(f.w.dev->nhandles, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* The nodes are the same under the modern ION ABI; a buffer from either
 * side is one dma-buf. */
START_TEST(nodes_next_to_a_modern_ion)
{
	struct fixture f;
	struct ion_new_allocation_data a = { .len = 4096,
					     .heap_id_mask = MT_MASK(MT_SYSTEM) };
	int ion, fd;

	setup_abi(&f, KION_ABI_MODERN);
	ion = mt_open(&f.w, f.p);
	ck_assert_int_eq(mt_ioctl(f.p, ion, ION_IOC_NEW_ALLOC, &a), 0);
	fd = heap_alloc_ok(f.p, f.sys, 4096);
	ck_assert_str_eq(kion_dmabuf_from_file(sim_fd_peek(f.p, (int)a.fd))
			 ->exp_name, "ion");
	ck_assert_str_eq(kion_dmabuf_from_file(sim_fd_peek(f.p, fd))->exp_name,
			 "heap_helpers");
	ck_assert_uint_eq(f.w.dev->nbuffers, 2);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 5.10 heaps/system_heap.c takes order-0 pages one by one; 5.11
 * and later take orders 8, 4, 0.  A node follows its heap's orders. */
START_TEST(system_node_page_orders)
{
	struct heap_board board = { 0 };
	struct heap_config *cfg;
	struct kion_config kc = { .abi = KION_ABI_MODERN,
				  .kernel = KION_KERNEL_4_19 };
	struct fixture f;
	struct kion_buffer *b;
	unsigned int i;
	int hfd, fd;

	cfg = mt_board_add(&board, "sys510", HEAP_TYPE_SYSTEM, 0, 0);
	cfg->orders[0] = 0;
	cfg->norders = 1;
	mt_board_add(&board, "system", HEAP_TYPE_SYSTEM, 1, 0);
	mt_boot_full(&f.w, &kc, &board, 0);
	add_node(&f.w, "system", "sys510");
	add_node(&f.w, "system-later", "system");
	f.p = mt_spawn(&f.w, "app");
	hfd = open_node(&f, "system");
	fd = heap_alloc_ok(f.p, hfd, 64 << 10);
	b = mt_fd_buffer(f.p, fd);
	ck_assert_uint_eq(b->hb.nruns, 16);
	for (i = 0; i < b->hb.nruns; i++)
		ck_assert_uint_eq(b->hb.runs[i].len, 4096);
	hfd = open_node(&f, "system-later");
	fd = heap_alloc_ok(f.p, hfd, (1 << 20) + (64 << 10) + 4096);
	b = mt_fd_buffer(f.p, fd);
	ck_assert_uint_eq(b->hb.nruns, 3);
	ck_assert_uint_eq(b->hb.runs[0].len, 1 << 20);
	mt_shutdown(&f.w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/dma_heap");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_test(tc, open_unknown_node_is_enodev);
	tcase_add_test(tc, open_gives_a_nonseekable_node_file);
	tcase_add_test(tc, ioctl_without_a_thread_is_esrch);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_add_test(tc, alloc_gives_the_fd_and_file_asked_for);
	tcase_add_test(tc, alloc_fd_flags_pick_access_and_cloexec);
	tcase_add_test(tc, alloc_fd_not_zero_is_einval);
	tcase_add_test(tc, alloc_bad_fd_flags_are_einval);
	tcase_add_test(tc, alloc_any_heap_flag_is_einval);
	tcase_add_test(tc, alloc_zero_or_wrapping_len_is_einval);
	tcase_add_test(tc, alloc_failure_is_enomem_with_no_fallthrough);
	tcase_add_test(tc, alloc_copy_back_efault_leaks_the_fd);
	tcase_add_test(tc, refused_alloc_is_still_copied_back);
	tcase_add_test(tc, alloc_copy_in_efault);
	tcase_add_test(tc, alloc_without_an_fd_is_emfile_and_frees);
	tcase_add_test(tc, alloc_export_failure_is_enomem_and_frees);
	suite_add_tcase(s, tc);

	tc = tcase_create("dispatch");
	tcase_add_test(tc, nr_not_0_is_einval);
	tcase_add_test(tc, any_magic_with_nr_0_is_alloc);
	tcase_add_test(tc, dma_buf_sync_on_a_node_allocates_and_leaks);
	tcase_add_test(tc, no_direction_is_a_zero_length);
	tcase_add_test(tc, short_size_copies_only_its_bytes);
	tcase_add_test(tc, long_size_goes_through_kmalloc);
	suite_add_tcase(s, tc);

	tc = tcase_create("dmabuf");
	tcase_add_test(tc, bytes_shared_between_processes);
	tcase_add_test(tc, lifetime_fd_then_mapping);
	tcase_add_test(tc, sync_on_heap_buffers);
	tcase_add_test(tc, legacy_import_of_a_heap_fd_is_einval);
	tcase_add_test(tc, nodes_next_to_a_modern_ion);
	tcase_add_test(tc, system_node_page_orders);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
