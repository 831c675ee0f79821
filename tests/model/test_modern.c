/*
 * tests/model/test_modern.c - /dev/ion with the 4.12+ ABI: ALLOC gives a
 * dma-buf fd, HEAP_QUERY lists heaps, and every legacy command meets the
 * smaller argument union (EINVAL for a 64-bit ALLOC, ENOTTY for the
 * rest, after the copy-in).  Each path is reached as a process reaches
 * it, through the file's ioctl op with a user pointer; bad pointers and
 * read-only memory pin the order of the dispatcher's checks.
 *
 * The buffer behind an ALLOC has no owner but its one dma-buf file, so
 * the lifetime tests close fds, unmap, pass fds between processes and
 * exit processes, and check that the buffer goes exactly with the last
 * of them.  Every test ends with kion_device_destroy and test_shutdown,
 * which fail on any kernel object left behind.
 * Kernel reference: Linux 4.14 and 4.19 ion-ioctl.c (ion_ioctl,
 * validate_ioctl_arg) and ion.c (ion_alloc, ion_query_heaps, the dma-buf
 * ops).
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "modelutil.h"

/* ---- user memory and calls ---------------------------------------------- */

/* A world with the modern ABI, one process "app" and its /dev/ion fd. */
struct fixture {
	struct mt_world w;
	struct sim_proc *p;
	int ion;
};

static void setup_bugs(struct fixture *f, unsigned int bugs)
{
	struct kion_config cfg = { .abi = KION_ABI_MODERN,
				   .kernel = KION_KERNEL_4_19, .bugs = bugs };

	mt_boot_full(&f->w, &cfg, NULL, 0);
	f->p = mt_spawn(&f->w, "app");
	f->ion = mt_open(&f->w, f->p);
}

static void setup(struct fixture *f)
{
	setup_bugs(f, 0);
}

/* The 4.12+ ALLOC; *@fd gets the fd field as it came back. */
static long alloc(struct sim_proc *p, int ion, uint64_t len,
		  unsigned int mask, unsigned int flags, int *fd)
{
	struct ion_new_allocation_data a = { .len = len, .heap_id_mask = mask,
					     .flags = flags };
	long ret = mt_ioctl(p, ion, ION_IOC_NEW_ALLOC, &a);

	if (fd)
		*fd = (int)a.fd;
	return ret;
}

/* An ALLOC that must succeed: the dma-buf fd. */
static int alloc_ok(struct sim_proc *p, int ion, uint64_t len,
		    unsigned int mask)
{
	int fd = -1;

	ck_assert_int_eq(alloc(p, ion, len, mask, 0, &fd), 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static long query(struct sim_proc *p, int ion, struct ion_heap_query *q)
{
	return mt_ioctl(p, ion, ION_IOC_HEAP_QUERY, q);
}

/* ---- open --------------------------------------------------------------- */

/* Linux 4.14 ion.c ion_fops: no open, no release, no per-open state. */
START_TEST(open_keeps_no_per_open_state)
{
	struct fixture f;
	struct sim_file *file;
	unsigned long objs;
	int fd;

	setup(&f);
	file = sim_fd_peek(f.p, f.ion);
	ck_assert_ptr_eq(file->ops, &kion_ion_modern_fops);
	ck_assert_ptr_eq(file->private_data, f.w.dev);
	ck_assert_ptr_null(kion_client_from_file(file));
	ck_assert_uint_eq(f.w.dev->nclients, 0);
	objs = sim_kobj_live(f.w.m);
	fd = kion_ion_open(f.w.dev, f.p, SIM_O_RDONLY | SIM_O_CLOEXEC);
	ck_assert_int_eq(fd, 4);
	ck_assert_uint_eq(sim_kobj_live(f.w.m), objs + 1);	/* the file */
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd), SIM_FD_CLOEXEC);
	ck_assert_uint_eq(sim_fd_peek(f.p, fd)->f_mode,
			  SIM_FMODE_READ | SIM_FMODE_LSEEK);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_uint_eq(sim_kobj_live(f.w.m), objs);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_fops: no mmap (ENODEV), no llseek. */
START_TEST(ion_file_has_no_mmap)
{
	struct fixture f;
	struct sim_vma *vma = NULL;

	setup(&f);
	ck_assert_int_eq(sim_mmap(f.p, f.ion, 4096, SIM_PROT_READ,
				  SIM_MAP_SHARED, 0, &vma), -ENODEV);
	ck_assert_ptr_null(sim_fd_peek(f.p, f.ion)->ops->llseek);
	mt_shutdown(&f.w);
}
END_TEST

START_TEST(open_by_an_exited_process_is_esrch)
{
	struct fixture f;
	struct sim_proc *q;

	setup(&f);
	q = mt_spawn(&f.w, "gone");
	ck_assert_int_eq(sim_proc_exit(q), 0);
	ck_assert_int_eq(kion_ion_open(f.w.dev, q, SIM_O_RDWR), -ESRCH);
	mt_shutdown(&f.w);
}
END_TEST

/* An ioctl with no calling thread has no fd table for the fd. */
START_TEST(ioctl_without_a_thread_is_esrch)
{
	struct fixture f;
	struct ion_new_allocation_data a = { .len = 4096, .heap_id_mask = 1 };

	setup(&f);
	ck_assert_int_eq(kion_ioctl_modern(f.w.dev, NULL, ION_IOC_NEW_ALLOC,
					   (unsigned long)&a), -ESRCH);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- ALLOC -------------------------------------------------------------- */

/* Linux 4.14 ion.c ion_alloc: export with O_RDWR, dma_buf_fd(O_CLOEXEC);
 * the dma-buf holds the creation reference, nothing else does. */
START_TEST(alloc_gives_a_cloexec_rdwr_dmabuf_fd)
{
	struct fixture f;
	struct kion_buffer *b;
	struct kion_dmabuf *db;
	struct sim_file *file;
	int fd;

	setup(&f);
	fd = alloc_ok(f.p, f.ion, 10000, MT_MASK(MT_SYSTEM));
	ck_assert_int_eq(fd, 4);
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd), SIM_FD_CLOEXEC);
	file = sim_fd_peek(f.p, fd);
	ck_assert_uint_eq(file->f_flags, SIM_O_RDWR);
	ck_assert_uint_eq(file->f_mode, SIM_FMODE_READ | SIM_FMODE_WRITE |
					SIM_FMODE_LSEEK);
	ck_assert_uint_eq(file->count, 1);
	db = kion_dmabuf_from_file(file);
	ck_assert_ptr_nonnull(db);
	ck_assert_str_eq(db->exp_name, "ion");
	ck_assert(kion_dmabuf_is_ion(db));
	ck_assert_uint_eq(db->size, 12288);
	b = db->buffer;
	ck_assert_ptr_eq(b->modern_dmabuf, db);
	ck_assert_uint_eq(b->ref, 1);
	ck_assert_int_eq(b->handle_count, 0);
	ck_assert_uint_eq(b->size, 12288);	/* PAGE_ALIGN */
	ck_assert_str_eq(heap_name(b->heap), "system");
	ck_assert_str_eq(b->alloc_comm, "app");
	ck_assert_int_eq(b->alloc_pid, sim_proc_pid(f.p));
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	ck_assert_uint_eq(f.w.dev->ndmabufs, 1);
	ck_assert_uint_eq(f.w.dev->nhandles, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_alloc: flags go to the heap unchecked, unused and
 * the incoming fd are ignored. */
START_TEST(alloc_checks_neither_flags_nor_unused_nor_fd)
{
	struct fixture f;
	struct ion_new_allocation_data a = {
		.len = 4096, .heap_id_mask = MT_MASK(MT_SYSTEM),
		.flags = 0xffff0000u | ION_FLAG_CACHED, .fd = 1234,
		.unused = 0xdeadbeef };

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_NEW_ALLOC, &a), 0);
	ck_assert_uint_eq(a.fd, 4);
	ck_assert_uint_eq(a.unused, 0xdeadbeef);
	ck_assert_uint_eq(mt_fd_buffer(f.p, 4)->flags,
			  0xffff0000u | ION_FLAG_CACHED);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_alloc: PAGE_ALIGN(len) == 0 is EINVAL, no fd. */
START_TEST(alloc_zero_or_wrapping_len_is_einval)
{
	struct fixture f;
	struct ion_new_allocation_data a = { .len = 0,
					     .heap_id_mask = MT_MASK(MT_SYSTEM) };
	int fd;

	setup(&f);
	ck_assert_int_eq(alloc(f.p, f.ion, 0, MT_MASK(MT_SYSTEM), 0, &fd),
			 -EINVAL);
	ck_assert_int_eq(alloc(f.p, f.ion, UINT64_MAX - 100, MT_MASK(MT_SYSTEM),
			       0, &fd), -EINVAL);
	ck_assert_uint_eq(sim_fd_count(f.p), 4);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	/* a failed ALLOC returns before the copy back */
	a.fd = 77;
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_NEW_ALLOC, &a), -EINVAL);
	ck_assert_uint_eq(a.fd, 77);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_alloc: no heap bit in the mask is ENODEV. */
START_TEST(alloc_mask_matching_no_heap_is_enodev)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(alloc(f.p, f.ion, 4096, 0, 0, NULL), -ENODEV);
	ck_assert_int_eq(alloc(f.p, f.ion, 4096, MT_MASK(17), 0, NULL),
			 -ENODEV);
	ck_assert_uint_eq(sim_fd_count(f.p), 4);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_alloc: highest id first, the first success wins,
 * and a total failure reports the last heap tried. */
START_TEST(alloc_walks_heaps_and_reports_the_last_error)
{
	struct fixture f;
	int fd;

	setup(&f);
	/* 20 MiB: the 16 MiB carveout (id 2) fails, the system heap serves */
	fd = alloc_ok(f.p, f.ion, 20 * MT_M,
		      MT_MASK(MT_CARVEOUT) | MT_MASK(MT_SYSTEM));
	ck_assert_str_eq(heap_name(mt_fd_buffer(f.p, fd)->heap), "system");
	ck_assert_int_eq(alloc(f.p, f.ion, 20 * MT_M, MT_MASK(MT_CARVEOUT), 0,
			       NULL), -ENOMEM);
	fd = alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_CMA) | MT_MASK(MT_SYSTEM));
	ck_assert_str_eq(heap_name(mt_fd_buffer(f.p, fd)->heap), "cma");
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion-ioctl.c ion_ioctl: the fd is written back with no undo
 * on a fault, so EFAULT comes with an fd installed and the buffer alive
 * (read-only argument: copy in works, copy back faults). */
START_TEST(alloc_copy_back_efault_leaks_the_fd)
{
	struct fixture f;
	struct ion_new_allocation_data a = { .len = 8192,
					     .heap_id_mask = MT_MASK(MT_SYSTEM) };
	void *ro = mt_ro_page(&a, sizeof(a));

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_NEW_ALLOC, ro), -EFAULT);
	ck_assert_uint_eq(sim_fd_count(f.p), 5);
	ck_assert_int_eq(sim_fd_get_flags(f.p, 4), SIM_FD_CLOEXEC);
	ck_assert_uint_eq(mt_fd_buffer(f.p, 4)->size, 8192);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	/* the leaked fd is a normal one: closing it frees the buffer */
	ck_assert_int_eq(sim_fd_close(f.p, 4), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
	munmap(ro, 4096);
}
END_TEST

/* Linux 4.14 ion-ioctl.c ion_ioctl: the copy in faults before anything. */
START_TEST(alloc_copy_in_efault_allocates_nothing)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_NEW_ALLOC, NULL), -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_NEW_ALLOC, bad), -EFAULT);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(sim_fd_count(f.p), 4);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.14 ion.c ion_alloc: dma_buf_fd fails, dma_buf_put frees it. */
START_TEST(alloc_without_an_fd_is_emfile_and_frees)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(sim_fault_arm(f.w.m, SIM_FAULT_FD, 1), 0);
	ck_assert_int_eq(alloc(f.p, f.ion, 4096, MT_MASK(MT_CARVEOUT), 0, NULL),
			 -EMFILE);
	mt_assert_nothing_allocated(&f.w, "carveout");
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_alloc: a failed dma_buf_export destroys the
 * buffer and returns its errno. */
START_TEST(alloc_export_failure_is_enomem_and_frees)
{
	struct fixture f;

	setup(&f);
	sim_fault_set_hook(f.w.m, mt_fail_kobj_after_buffer, &f.w);
	ck_assert_int_eq(alloc(f.p, f.ion, 4096, MT_MASK(MT_CARVEOUT), 0, NULL),
			 -ENOMEM);
	sim_fault_set_hook(f.w.m, NULL, NULL);
	mt_assert_nothing_allocated(&f.w, "carveout");
	ck_assert_uint_eq(sim_fd_count(f.p), 4);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- legacy binaries on a 4.12+ kernel ---------------------------------- */

/* Linux 4.14 ion-ioctl.c ion_ioctl: the 64-bit legacy ALLOC (32 bytes)
 * is over the 24-byte union: EINVAL before any match. */
START_TEST(legacy_lp64_alloc_is_einval)
{
	struct fixture f;
	struct ion_allocation_data a = { .len = 4096,
					 .heap_id_mask = MT_MASK(MT_SYSTEM) };

	setup(&f);
	ck_assert_uint_eq(ION_IOC_ALLOC, 0xC0204900u);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ALLOC, &a), -EINVAL);
	/* the size check comes before the copy: a NULL argument too */
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ALLOC, NULL), -EINVAL);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion-ioctl.c ion_ioctl: every other legacy command fits the
 * union, is copied in and is unknown: ENOTTY (libion's ABI probe). */
START_TEST(legacy_commands_are_enotty)
{
	static const unsigned int cmds[] = {
		ION_IOC_FREE, ION_IOC_MAP, ION_IOC_SHARE, ION_IOC_IMPORT,
		ION_IOC_SYNC, ION_IOC_CUSTOM,
		0xC0144900u,	/* the 32-bit legacy ALLOC */
		0xC0084906u,	/* the 32-bit legacy CUSTOM */
	};
	unsigned char arg[24];
	unsigned int i;
	struct fixture f;

	setup(&f);
	memset(arg, 0, sizeof(arg));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		ck_assert_int_eq(mt_ioctl(f.p, f.ion, cmds[i], arg), -ENOTTY);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(sim_fd_count(f.p), 4);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion-ioctl.c ion_ioctl: the copy in precedes the match, so a
 * legacy FREE with a bad pointer is EFAULT, not ENOTTY. */
START_TEST(legacy_free_with_a_bad_pointer_is_efault)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_FREE, NULL), -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SHARE, bad), -EFAULT);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.19 ion-ioctl.c and uapi/ion.h: mainline has no ABI_VERSION
 * (Android's forks add it), so it is unknown after its copy in. */
START_TEST(abi_version_is_enotty_in_mainline)
{
	struct fixture f;
	__u32 v = 77;

	setup(&f);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ABI_VERSION, &v), -ENOTTY);
	ck_assert_uint_eq(v, 77);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ABI_VERSION, NULL),
			 -EFAULT);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion-ioctl.c ion_ioctl: a size field over 24 is EINVAL for
 * any command; a fitting unknown one is ENOTTY; a known nr with another
 * encoding is unknown. */
START_TEST(unknown_commands_by_size)
{
	struct fixture f;
	unsigned char arg[24];

	setup(&f);
	memset(arg, 0, sizeof(arg));
	ck_assert_int_eq(mt_ioctl(f.p, f.ion,
				  _IOC(_IOC_READ | _IOC_WRITE, 'I', 0x30, 25),
				  NULL), -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion,
				  _IOC(_IOC_READ | _IOC_WRITE, 'I', 0x30, 24),
				  arg), -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IO('I', 0), NULL), -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion,
				  _IOW('I', 0, struct ion_new_allocation_data),
				  arg), -ENOTTY);
	/* sys_ioctl keeps only the low 32 bits of the command */
	ck_assert_int_eq(mt_ioctl(f.p, f.ion,
				  (1UL << 32) | ION_IOC_HEAP_QUERY, arg), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- HEAP_QUERY --------------------------------------------------------- */

/* Linux 4.14 ion.c ion_query_heaps: heaps == 0 asks for the count. */
START_TEST(heap_query_count)
{
	struct fixture f;
	struct ion_heap_query q = { .cnt = 99 };

	setup(&f);
	ck_assert_int_eq(query(f.p, f.ion, &q), 0);
	ck_assert_uint_eq(q.cnt, 5);
	mt_shutdown(&f.w);
}
END_TEST

/* One check of a listed heap. */
static void check_heap(const struct ion_heap_data *hd, const char *name,
		       unsigned int type, unsigned int id)
{
	ck_assert_str_eq(hd->name, name);
	ck_assert_uint_eq(hd->type, type);
	ck_assert_uint_eq(hd->heap_id, id);
	ck_assert_uint_eq(hd->reserved0 | hd->reserved1 | hd->reserved2, 0);
}

/* The list of the default board, highest id first, returning 0. */
static void list_all(struct fixture *f)
{
	struct ion_heap_data hd[8];
	struct ion_heap_query q = { .cnt = 8, .heaps = (uintptr_t)hd };

	memset(hd, 0xa5, sizeof(hd));
	ck_assert_int_eq(query(f->p, f->ion, &q), 0);
	ck_assert_uint_eq(q.cnt, 5);
	check_heap(&hd[0], "cma", ION_HEAP_TYPE_DMA, 4);
	check_heap(&hd[1], "chunk", ION_HEAP_TYPE_CHUNK, 3);
	check_heap(&hd[2], "carveout", ION_HEAP_TYPE_CARVEOUT, 2);
	check_heap(&hd[3], "system_contig", ION_HEAP_TYPE_SYSTEM_CONTIG, 1);
	check_heap(&hd[4], "system", ION_HEAP_TYPE_SYSTEM, 0);
	ck_assert_uint_eq((unsigned char)hd[5].name[0], 0xa5);
}

/* Linux 4.14 ion.c ion_query_heaps: the list path returns 0 (4.9 left
 * its EINVAL there). */
START_TEST(heap_query_list_returns_0)
{
	struct fixture f;

	setup(&f);
	list_all(&f);
	mt_shutdown(&f.w);
}
END_TEST

/* The same under a device configured with 4.9's HEAP_QUERY defect: the
 * modern ABI never had it. */
START_TEST(heap_query_list_is_0_even_with_the_4_9_defect)
{
	struct fixture f;

	setup_bugs(&f, KION_BUGS_EXACT | KION_BUG_QUERY_EINVAL);
	list_all(&f);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_query_heaps: at most cnt entries, cnt updated. */
START_TEST(heap_query_stops_at_cnt)
{
	struct fixture f;
	struct ion_heap_data hd[3];
	struct ion_heap_query q = { .cnt = 2, .heaps = (uintptr_t)hd };

	setup(&f);
	memset(hd, 0xa5, sizeof(hd));
	ck_assert_int_eq(query(f.p, f.ion, &q), 0);
	ck_assert_uint_eq(q.cnt, 2);
	check_heap(&hd[0], "cma", ION_HEAP_TYPE_DMA, 4);
	check_heap(&hd[1], "chunk", ION_HEAP_TYPE_CHUNK, 3);
	ck_assert_uint_eq((unsigned char)hd[2].name[0], 0xa5);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_query_heaps: a list with cnt 0 is EINVAL. */
START_TEST(heap_query_list_with_cnt_0_is_einval)
{
	struct fixture f;
	struct ion_heap_data hd[1];
	struct ion_heap_query q = { .cnt = 0, .heaps = (uintptr_t)hd };

	setup(&f);
	ck_assert_int_eq(query(f.p, f.ion, &q), -EINVAL);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion-ioctl.c validate_ioctl_arg: any reserved word is EINVAL. */
START_TEST(heap_query_reserved_words_are_einval)
{
	struct fixture f;
	struct ion_heap_query q;

	setup(&f);
	memset(&q, 0, sizeof(q));
	q.reserved0 = 1;
	ck_assert_int_eq(query(f.p, f.ion, &q), -EINVAL);
	memset(&q, 0, sizeof(q));
	q.reserved1 = 1;
	ck_assert_int_eq(query(f.p, f.ion, &q), -EINVAL);
	memset(&q, 0, sizeof(q));
	q.reserved2 = 0x80000000u;
	ck_assert_int_eq(query(f.p, f.ion, &q), -EINVAL);
	ck_assert_uint_eq(q.cnt, 0);	/* nothing ran, nothing came back */
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_query_heaps: a list the kernel cannot write is
 * EFAULT. */
START_TEST(heap_query_bad_list_is_efault)
{
	struct fixture f;
	void *bad = mt_bad_page();
	struct ion_heap_query q = { .cnt = 5, .heaps = (uintptr_t)bad };

	setup(&f);
	ck_assert_int_eq(query(f.p, f.ion, &q), -EFAULT);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.14 ion-ioctl.c ion_ioctl: HEAP_QUERY is copied back whatever
 * it returned, so a read-only argument is EFAULT, even over EINVAL. */
START_TEST(heap_query_copy_back_efault)
{
	struct fixture f;
	struct ion_heap_data hd[1];
	struct ion_heap_query q = { .cnt = 0 };
	void *ro = mt_ro_page(&q, sizeof(q));
	void *ro_einval;

	setup(&f);
	ck_assert_int_eq(query(f.p, f.ion, ro), -EFAULT);
	q.heaps = (uintptr_t)hd;	/* cnt 0 with a list: EINVAL */
	ro_einval = mt_ro_page(&q, sizeof(q));
	ck_assert_int_eq(query(f.p, f.ion, ro_einval), -EFAULT);
	mt_shutdown(&f.w);
	munmap(ro, 4096);
	munmap(ro_einval, 4096);
}
END_TEST

/* ---- buffer lifetime = the dma-buf file's ------------------------------- */

/* Linux 4.14 ion.c ion_dma_buf_release: the last fput of the dma-buf
 * frees the buffer; a mapping holds the file. */
START_TEST(lifetime_fd_then_mapping)
{
	struct fixture f;
	struct sim_vma *vma;
	int fd;

	setup(&f);
	fd = alloc_ok(f.p, f.ion, 3 * 4096, MT_MASK(MT_CARVEOUT));
	vma = mt_mmap(f.p, fd, 3 * 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	ck_assert_uint_eq(sim_fd_peek(f.p, fd)->count, 2);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	ck_assert_uint_eq(mt_metrics(&f.w, "carveout").live, 1);
	sim_vma_unmap(vma);
	mt_assert_nothing_allocated(&f.w, "carveout");
	mt_shutdown(&f.w);
}
END_TEST

/* An fd passed to another process, a dup and a fork each hold the one
 * file; the buffer goes with the last of them. */
START_TEST(lifetime_dup_pass_and_fork)
{
	struct fixture f;
	struct sim_proc *q, *child;
	int fd, dup, qfd, err = 0;

	setup(&f);
	q = mt_spawn(&f.w, "peer");
	fd = alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	dup = sim_fd_dup(f.p, fd);
	ck_assert_int_ge(dup, 0);
	qfd = sim_fd_send(f.p, fd, q);
	ck_assert_int_ge(qfd, 0);
	child = sim_proc_fork(f.p, &err);
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_int_eq(sim_fd_close(f.p, dup), 0);
	ck_assert_int_eq(sim_proc_exit(q), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	ck_assert_uint_eq(mt_buffer(&f.w, 1)->ref, 1);	/* still one dma-buf */
	ck_assert_int_eq(sim_proc_exit(child), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* A process's exit closes its fds: its buffers go with it. */
START_TEST(lifetime_exit_frees_every_buffer)
{
	struct fixture f;

	setup(&f);
	alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	alloc_ok(f.p, f.ion, 8192, MT_MASK(MT_CMA));
	alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_CHUNK));
	ck_assert_uint_eq(f.w.dev->nbuffers, 3);
	ck_assert_int_eq(sim_proc_exit(f.p), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(mt_metrics(&f.w, "cma").live, 0);
	ck_assert_uint_eq(mt_metrics(&f.w, "chunk").live, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* A driver's dma_buf_get holds the file too. */
START_TEST(lifetime_driver_reference)
{
	struct fixture f;
	struct kion_dmabuf *db;
	int fd, err = 0;

	setup(&f);
	fd = alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	db = kion_dma_buf_get(f.p, fd, &err);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(sim_fd_close(f.p, fd), 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	kion_dma_buf_put(db);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- the dma-buf -------------------------------------------------------- */

/* Two processes see the same bytes through their own mappings. */
START_TEST(bytes_shared_between_processes)
{
	struct fixture f;
	struct sim_proc *q;
	struct sim_vma *va, *vb;
	const uint64_t len = (1 << 20) + (64 << 10) + 4096;
	char *pa, *pb;
	int fd, qfd;

	setup(&f);
	q = mt_spawn(&f.w, "peer");
	fd = alloc_ok(f.p, f.ion, len, MT_MASK(MT_SYSTEM));
	qfd = sim_fd_send(f.p, fd, q);
	va = mt_mmap(f.p, fd, len, SIM_PROT_READ | SIM_PROT_WRITE);
	vb = mt_mmap(q, qfd, len, SIM_PROT_READ | SIM_PROT_WRITE);
	pa = va->host;
	pb = vb->host;
	ck_assert_int_eq(pb[len - 1], 0);	/* fresh memory is zero */
	memcpy(pa, "hello", 6);
	memcpy(pa + len - 6, "world", 6);
	ck_assert_str_eq(pb, "hello");
	ck_assert_str_eq(pb + len - 6, "world");
	pb[len / 2] = 'x';
	ck_assert_int_eq(pa[len / 2], 'x');
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c ion_dma_buf_begin/end_cpu_access: SYNC brackets a
 * kernel mapping of the buffer. */
START_TEST(sync_takes_and_drops_a_kernel_mapping)
{
	struct fixture f;
	struct kion_buffer *b;
	int fd;

	setup(&f);
	fd = alloc_ok(f.p, f.ion, 8192, MT_MASK(MT_SYSTEM));
	b = mt_fd_buffer(f.p, fd);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_START |
				     DMA_BUF_SYNC_RW), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 1);
	ck_assert_ptr_nonnull(b->hb.vaddr);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_END |
				     DMA_BUF_SYNC_READ), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, DMA_BUF_SYNC_START), -EINVAL);
	ck_assert_int_eq(mt_cpu_sync(f.p, fd, 8), -EINVAL);
	mt_shutdown(&f.w);
}
END_TEST

/* dma-buf.c dma_buf_llseek: the size, from either end at offset 0. */
START_TEST(lseek_gives_the_size)
{
	struct fixture f;
	struct sim_file *file;
	int fd;

	setup(&f);
	fd = alloc_ok(f.p, f.ion, 5000, MT_MASK(MT_SYSTEM));
	file = sim_fd_peek(f.p, fd);
	ck_assert_int_eq(file->ops->llseek(file, 0, SEEK_END), 8192);
	ck_assert_int_eq(file->ops->llseek(file, 0, SEEK_SET), 0);
	ck_assert_int_eq(file->ops->llseek(file, 0, SEEK_CUR), -EINVAL);
	mt_shutdown(&f.w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/modern");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_test(tc, open_keeps_no_per_open_state);
	tcase_add_test(tc, ion_file_has_no_mmap);
	tcase_add_test(tc, open_by_an_exited_process_is_esrch);
	tcase_add_test(tc, ioctl_without_a_thread_is_esrch);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_add_test(tc, alloc_gives_a_cloexec_rdwr_dmabuf_fd);
	tcase_add_test(tc, alloc_checks_neither_flags_nor_unused_nor_fd);
	tcase_add_test(tc, alloc_zero_or_wrapping_len_is_einval);
	tcase_add_test(tc, alloc_mask_matching_no_heap_is_enodev);
	tcase_add_test(tc, alloc_walks_heaps_and_reports_the_last_error);
	tcase_add_test(tc, alloc_copy_back_efault_leaks_the_fd);
	tcase_add_test(tc, alloc_copy_in_efault_allocates_nothing);
	tcase_add_test(tc, alloc_without_an_fd_is_emfile_and_frees);
	tcase_add_test(tc, alloc_export_failure_is_enomem_and_frees);
	suite_add_tcase(s, tc);

	tc = tcase_create("legacy");
	tcase_add_test(tc, legacy_lp64_alloc_is_einval);
	tcase_add_test(tc, legacy_commands_are_enotty);
	tcase_add_test(tc, legacy_free_with_a_bad_pointer_is_efault);
	tcase_add_test(tc, abi_version_is_enotty_in_mainline);
	tcase_add_test(tc, unknown_commands_by_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_test(tc, heap_query_count);
	tcase_add_test(tc, heap_query_list_returns_0);
	tcase_add_test(tc, heap_query_list_is_0_even_with_the_4_9_defect);
	tcase_add_test(tc, heap_query_stops_at_cnt);
	tcase_add_test(tc, heap_query_list_with_cnt_0_is_einval);
	tcase_add_test(tc, heap_query_reserved_words_are_einval);
	tcase_add_test(tc, heap_query_bad_list_is_efault);
	tcase_add_test(tc, heap_query_copy_back_efault);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifetime");
	tcase_add_test(tc, lifetime_fd_then_mapping);
	tcase_add_test(tc, lifetime_dup_pass_and_fork);
	tcase_add_test(tc, lifetime_exit_frees_every_buffer);
	tcase_add_test(tc, lifetime_driver_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("dmabuf");
	tcase_add_test(tc, bytes_shared_between_processes);
	tcase_add_test(tc, sync_takes_and_drops_a_kernel_mapping);
	tcase_add_test(tc, lseek_gives_the_size);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
