/*
 * tests/model/test_legacy_ioctl.c - the legacy /dev/ion ioctls, every
 * success and every error path, reached the way a process reaches them:
 * through the file's ioctl op with a user pointer.
 *
 * The dispatcher's order of checks decides many answers on its own (a
 * big size field is EINVAL before anything is matched, the argument is
 * always copied in, FREE/SYNC/CUSTOM never copy back), so several tests
 * feed the same command bad pointers, read-only memory or odd encodings
 * to pin that order down.  The reference deltas checked after each
 * command are ION-SPEC 3.7's, for 4.9.337 and 4.9.45.
 * Kernel reference: Linux 4.9 ion-ioctl.c (ion_ioctl, ion_ioctl_dir,
 * validate_ioctl_arg) and ion.c (ion_alloc, ion_query_heaps, share and
 * import); 4.9.337 for the user reference counts.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "modelutil.h"

/* ---- user memory helpers ------------------------------------------- */

/* A world with one process "app" and its /dev/ion fd. */
struct fixture {
	struct mt_world w;
	struct sim_proc *p;
	int ion;
};

static void setup(struct fixture *f, enum kion_kernel kernel)
{
	mt_boot_kernel(&f->w, kernel);
	f->p = mt_spawn(&f->w, "app");
	f->ion = mt_open(&f->w, f->p);
}

/* ---- ALLOC ----------------------------------------------------------- */

/* Linux 4.9 ion.c ion_handle_add: idr_alloc(start 1): lowest free id. */
START_TEST(alloc_gives_lowest_free_id_from_1)
{
	struct fixture f;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM)), 1);
	ck_assert_int_eq(mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM)), 2);
	ck_assert_int_eq(mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM)), 3);
	ck_assert_int_eq(mt_free(f.p, f.ion, 2), 0);
	ck_assert_int_eq(mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM)), 2);
	ck_assert_int_eq(mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM)), 4);
	mt_shutdown(&f.w);
}
END_TEST

/* The same rule over a random history of ALLOCs and FREEs, against a
 * plain array of taken ids: every ALLOC must get the lowest free one. */
START_TEST(alloc_ids_stay_lowest_free_over_random_frees)
{
	enum { MAXID = 64, STEPS = 3000 };
	bool taken[MAXID + 2] = { false };
	struct sim_rng rng;
	struct fixture f;
	int step, id, want, nlive = 0;

	setup(&f, KION_KERNEL_4_9_337);
	sim_rng_seed(&rng, 7);
	for (step = 0; step < STEPS; step++) {
		if (nlive < MAXID && (nlive == 0 || sim_rng_below(&rng, 2))) {
			for (want = 1; taken[want]; want++)
				;
			id = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
			test_require(id == want);
			taken[id] = true;
			nlive++;
			continue;
		}
		do
			id = 1 + (int)sim_rng_below(&rng, MAXID);
		while (!taken[id]);
		test_require(mt_free(f.p, f.ion, id) == 0);
		taken[id] = false;
		nlive--;
	}
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9.337 ion-ioctl.c: ALLOC ends with K=1 held by U=1 (3.7). */
START_TEST(alloc_refs_4_9_337)
{
	struct fixture f;
	struct kion_handle *h;
	int id;

	setup(&f, KION_KERNEL_4_9_337);
	id = mt_alloc_ok(f.p, f.ion, 10000, MT_MASK(MT_SYSTEM));
	h = mt_handle(f.p, f.ion, id);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->kref, 1);
	ck_assert_uint_eq(h->user_ref_count, 1);
	ck_assert_uint_eq(h->buffer->ref, 1);
	ck_assert_int_eq(h->buffer->handle_count, 1);
	ck_assert_uint_eq(h->buffer->size, 12288);	/* PAGE_ALIGN */
	ck_assert_str_eq(h->buffer->alloc_comm, "app");
	ck_assert_int_eq(h->buffer->alloc_pid, sim_proc_pid(f.p));
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9.45 ion-ioctl.c: no user count, the kref is userspace's. */
START_TEST(alloc_refs_4_9_45)
{
	struct fixture f;
	struct kion_handle *h;

	setup(&f, KION_KERNEL_4_9_45);
	h = mt_handle(f.p, f.ion, mt_alloc_ok(f.p, f.ion, 4096,
					      MT_MASK(MT_SYSTEM)));
	ck_assert_uint_eq(h->kref, 1);
	ck_assert_uint_eq(h->user_ref_count, 0);
	ck_assert_uint_eq(h->buffer->ref, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_alloc: PAGE_ALIGN(len) == 0 is EINVAL. */
START_TEST(alloc_zero_or_wrapping_len_is_einval)
{
	struct fixture f;
	int h = 77;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, 0, MT_MASK(MT_SYSTEM), 0, &h),
			 -EINVAL);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, SIZE_MAX - 100,
				  MT_MASK(MT_SYSTEM), 0, &h), -EINVAL);
	ck_assert_int_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_alloc: no heap bit matched is ENODEV. */
START_TEST(alloc_mask_matching_no_heap_is_enodev)
{
	struct fixture f;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, 4096, 0, 0, NULL), -ENODEV);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, 4096, 1u << 31, 0, NULL),
			 -ENODEV);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, 4096, 1u << 10, 0, NULL),
			 -ENODEV);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_alloc: the highest id in the mask is tried first. */
START_TEST(alloc_tries_highest_id_first)
{
	struct fixture f;
	struct kion_handle *h;

	setup(&f, KION_KERNEL_4_9_337);
	h = mt_handle(f.p, f.ion,
		      mt_alloc_ok(f.p, f.ion, 4096,
				  MT_MASK(MT_SYSTEM) | MT_MASK(MT_CARVEOUT)));
	ck_assert_str_eq(heap_name(h->buffer->heap), "carveout");
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_alloc: a failing heap does not stop the walk. */
START_TEST(alloc_falls_through_to_a_lower_heap)
{
	struct fixture f;
	struct kion_handle *h;

	setup(&f, KION_KERNEL_4_9_337);
	/* 32 MiB does not fit the 16 MiB carveout: ENOMEM, then system. */
	h = mt_handle(f.p, f.ion,
		      mt_alloc_ok(f.p, f.ion, 32 * MT_M,
				  MT_MASK(MT_SYSTEM) | MT_MASK(MT_CARVEOUT)));
	ck_assert_str_eq(heap_name(h->buffer->heap), "system");
	ck_assert_uint_eq(mt_metrics(&f.w, "carveout").failures, 1);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_alloc: every heap failed: the LAST one's errno
 * (cma's EINVAL for a cached buffer comes first, carveout's ENOMEM last). */
START_TEST(alloc_all_fail_returns_last_heap_errno)
{
	struct fixture f;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, 32 * MT_M,
				  MT_MASK(MT_CMA) | MT_MASK(MT_CARVEOUT),
				  ION_FLAG_CACHED, NULL), -ENOMEM);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, 4096, MT_MASK(MT_CMA),
				  ION_FLAG_CACHED, NULL), -EINVAL);
	ck_assert_int_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion_cma_heap.c: any CMA failure is -1, seen as EPERM, and a
 * later heap's EPERM is what the walk reports when it is the last. */
START_TEST(alloc_cma_failure_is_eperm)
{
	struct fixture f;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_alloc(f.p, f.ion, 64 * MT_M, MT_MASK(MT_CMA), 0,
				  NULL), -EPERM);
	mt_shutdown(&f.w);
}
END_TEST

/* ionsim's access lists: a forbidden heap is tried and fails EACCES. */
START_TEST(alloc_forbidden_heap_is_eacces)
{
	struct heap_board board;
	struct heap_config *c;
	struct mt_world w;
	struct sim_proc *cam, *gal;
	struct kion_handle *h;
	int icam, igal;

	board.n = 0;
	mt_board_add(&board, "system", HEAP_TYPE_SYSTEM, 0, 0);
	c = mt_board_add(&board, "camera", HEAP_TYPE_CARVEOUT, 5, 4 * MT_M);
	c->nallow = 1;
	strcpy(c->allow[0], "cam");
	mt_boot_full(&w, NULL, &board, 0);
	cam = mt_spawn(&w, "cam");
	gal = mt_spawn(&w, "gallery");
	icam = mt_open(&w, cam);
	igal = mt_open(&w, gal);
	ck_assert_int_eq(mt_alloc(gal, igal, 4096, MT_MASK(5), 0, NULL),
			 -EACCES);
	/* The forbidden heap came first; the next one answers. */
	h = mt_handle(gal, igal, mt_alloc_ok(gal, igal, 4096,
					     MT_MASK(5) | MT_MASK(0)));
	ck_assert_str_eq(heap_name(h->buffer->heap), "system");
	h = mt_handle(cam, icam, mt_alloc_ok(cam, icam, 4096, MT_MASK(5)));
	ck_assert_str_eq(heap_name(h->buffer->heap), "camera");
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: the argument is copied in first: EFAULT. */
START_TEST(alloc_unmapped_arg_is_efault)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ALLOC, bad), -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ALLOC, NULL), -EFAULT);
	ck_assert_int_eq(f.w.dev->nbuffers, 0);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.9.337 ion-ioctl.c: the copy back of ALLOC faults (the argument
 * lies in a read-only mapping of a dma-buf): EFAULT, and the new handle
 * and buffer are undone (user ref, then the grab). */
static void alloc_copy_back_efault(enum kion_kernel kernel)
{
	struct fixture f;
	struct ion_allocation_data a = { .len = 8192,
					 .heap_id_mask = MT_MASK(MT_CARVEOUT) };
	struct sim_vma *rw, *ro;
	int h, fd;

	setup(&f, kernel);
	h = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(f.p, f.ion, h);
	rw = mt_mmap(f.p, fd, 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	ro = mt_mmap(f.p, fd, 4096, SIM_PROT_READ);
	memcpy(rw->host, &a, sizeof(a));
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ALLOC, ro->host), -EFAULT);
	/* The handle that got id 2 is gone, and its buffer with it. */
	ck_assert_ptr_null(mt_handle(f.p, f.ion, 2));
	ck_assert_uint_eq(mt_client(f.p, f.ion)->nhandles, 1);
	ck_assert_uint_eq(mt_metrics(&f.w, "carveout").live, 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 1);
	ck_assert_int_eq(mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM)), 2);
	mt_shutdown(&f.w);
}

START_TEST(alloc_copy_back_efault_frees_handle)
{
	alloc_copy_back_efault(KION_KERNEL_4_9_337);
}
END_TEST

/* Linux 4.9.45 ion-ioctl.c: the same through ion_free, with no grab. */
START_TEST(alloc_copy_back_efault_frees_handle_4_9_45)
{
	alloc_copy_back_efault(KION_KERNEL_4_9_45);
}
END_TEST

/* Every kernel object ALLOC makes (buffer, sg table, handle) can fail to
 * be allocated: each failure is ENOMEM and leaves no buffer, handle or
 * heap memory behind. */
START_TEST(alloc_kobj_failure_leaves_nothing)
{
	int n, failures = 0;

	for (n = 1; n <= 6; n++) {
		struct fixture f;
		long ret;

		setup(&f, KION_KERNEL_4_9_337);
		ck_assert_int_eq(sim_fault_arm(f.w.m, SIM_FAULT_KOBJ, n), 0);
		ret = mt_alloc(f.p, f.ion, 4096, MT_MASK(MT_CONTIG), 0, NULL);
		sim_fault_disarm(f.w.m);
		if (ret) {
			ck_assert_int_eq(ret, -ENOMEM);
			ck_assert_uint_eq(f.w.dev->nbuffers, 0);
			ck_assert_uint_eq(f.w.dev->nhandles, 0);
			ck_assert_uint_eq(mt_metrics(&f.w, "system_contig").used, 0);
			failures++;
		}
		mt_shutdown(&f.w);
	}
	ck_assert_int_eq(failures, 3);
}
END_TEST

/* ---- FREE ---------------------------------------------------------- */

/* Linux 4.9 ion-ioctl.c ION_IOC_FREE: no such id in the idr: EINVAL. */
START_TEST(free_unknown_handle_is_einval)
{
	struct fixture f;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_free(f.p, f.ion, 0), -EINVAL);
	ck_assert_int_eq(mt_free(f.p, f.ion, -1), -EINVAL);
	ck_assert_int_eq(mt_free(f.p, f.ion, 1), -EINVAL);
	mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	ck_assert_int_eq(mt_free(f.p, f.ion, 2), -EINVAL);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: the id is removed at destroy: 2nd FREE EINVAL. */
START_TEST(free_twice_is_einval)
{
	struct fixture f;
	int h;

	setup(&f, KION_KERNEL_4_9_337);
	h = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_CONTIG));
	ck_assert_int_eq(mt_free(f.p, f.ion, h), 0);
	ck_assert_int_eq(mt_free(f.p, f.ion, h), -EINVAL);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c: the last handle's destroy puts the buffer: a heap
 * without deferred free has it back at once. */
START_TEST(free_destroys_handle_and_buffer)
{
	struct fixture f;
	int h;

	setup(&f, KION_KERNEL_4_9_337);
	h = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_CONTIG));
	ck_assert_uint_eq(mt_metrics(&f.w, "system_contig").live, 1);
	ck_assert_int_eq(mt_free(f.p, f.ion, h), 0);
	ck_assert_uint_eq(mt_metrics(&f.w, "system_contig").live, 0);
	ck_assert_uint_eq(mt_metrics(&f.w, "system_contig").used, 0);
	ck_assert_uint_eq(f.w.dev->nbuffers, 0);
	ck_assert_uint_eq(f.w.dev->nhandles, 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c ion_ioctl_dir: FREE is forced write-only, so an
 * argument in read-only memory is fine (nothing is copied back). */
START_TEST(free_never_copies_back)
{
	struct fixture f;
	struct ion_handle_data d;
	void *ro;

	setup(&f, KION_KERNEL_4_9_337);
	d.handle = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	ro = mt_ro_page(&d, sizeof(d));
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_FREE, ro), 0);
	ck_assert_uint_eq(mt_client(f.p, f.ion)->nhandles, 0);
	mt_shutdown(&f.w);
	munmap(ro, 4096);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: FREE's argument is still copied in: EFAULT. */
START_TEST(free_unmapped_arg_is_efault)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_FREE, bad), -EFAULT);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* ---- SHARE and MAP ----------------------------------------------------- */

/* Linux 4.9 ion.c ion_share_dma_buf_fd: every SHARE is a new dma-buf
 * and fd, each with a buffer kref; O_CLOEXEC fd, O_RDWR file, mode 7. */
START_TEST(share_makes_a_new_dmabuf_each_time)
{
	struct fixture f;
	struct kion_handle *h;
	struct sim_file *file;
	int id, fd1, fd2;

	setup(&f, KION_KERNEL_4_9_337);
	id = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	h = mt_handle(f.p, f.ion, id);
	fd1 = mt_share_ok(f.p, f.ion, id);
	fd2 = mt_share_ok(f.p, f.ion, id);
	ck_assert_int_ne(fd1, fd2);
	ck_assert_uint_eq(h->buffer->ref, 3);
	ck_assert_uint_eq(h->kref, 1);
	ck_assert_uint_eq(f.w.dev->ndmabufs, 2);
	ck_assert_ptr_ne(kion_dmabuf_from_file(sim_fd_peek(f.p, fd1)),
			 kion_dmabuf_from_file(sim_fd_peek(f.p, fd2)));
	ck_assert_int_eq(sim_fd_get_flags(f.p, fd1), SIM_FD_CLOEXEC);
	file = sim_fd_peek(f.p, fd1);
	ck_assert_str_eq(file->ops->kind, "dma-buf");
	ck_assert_uint_eq(file->f_flags, SIM_O_RDWR);
	ck_assert_uint_eq(file->f_mode, 7);
	ck_assert_str_eq(kion_dmabuf_from_file(file)->exp_name, "ion");
	/* The newest dma-buf heads db_list. */
	ck_assert_ptr_eq(f.w.dev->db_list,
			 kion_dmabuf_from_file(sim_fd_peek(f.p, fd2)));
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: MAP is SHARE under another number. */
START_TEST(map_is_share)
{
	struct fixture f;
	struct ion_fd_data d = { .fd = -7 };

	setup(&f, KION_KERNEL_4_9_337);
	d.handle = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_MAP, &d), 0);
	ck_assert_ptr_nonnull(kion_dmabuf_from_file(sim_fd_peek(f.p, d.fd)));
	d.handle = 9;
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_MAP, &d), -EINVAL);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: a bad handle returns before the copy back, so
 * a read-only argument still gets EINVAL, not EFAULT. */
START_TEST(share_unknown_handle_is_einval)
{
	struct fixture f;
	struct ion_fd_data d = { .handle = 5, .fd = 0 };
	void *ro = mt_ro_page(&d, sizeof(d));

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SHARE, ro), -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SHARE, &d), -EINVAL);
	ck_assert_int_eq(d.fd, 0);
	mt_shutdown(&f.w);
	munmap(ro, 4096);
}
END_TEST

/* Linux 4.9 ion.c __ion_share_dma_buf_fd: no fd left is EMFILE, the
 * dma-buf is released again, and the errno is copied back in fd. */
START_TEST(share_without_free_fd_is_emfile)
{
	struct mt_world w;
	struct sim_proc *p;
	struct kion_handle *h;
	int ion, id, fd = 0;

	mt_boot_full(&w, NULL, NULL, 4);	/* 0-2 tty, 3 /dev/ion */
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	id = mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM));
	h = mt_handle(p, ion, id);
	ck_assert_int_eq(mt_share(p, ion, id, &fd), -EMFILE);
	ck_assert_int_eq(fd, -EMFILE);
	ck_assert_uint_eq(h->buffer->ref, 1);
	ck_assert_uint_eq(h->kref, 1);
	ck_assert_uint_eq(w.dev->ndmabufs, 0);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: SHARE copies back: a read-only arg is EFAULT,
 * though the fd was installed (and stays, as in the kernel). */
START_TEST(share_copy_back_efault_keeps_fd)
{
	struct fixture f;
	struct ion_fd_data d = { .fd = 0 };
	void *ro;

	setup(&f, KION_KERNEL_4_9_337);
	d.handle = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	ro = mt_ro_page(&d, sizeof(d));
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SHARE, ro), -EFAULT);
	ck_assert_uint_eq(f.w.dev->ndmabufs, 1);
	ck_assert_ptr_nonnull(kion_dmabuf_from_file(sim_fd_peek(f.p, 4)));
	mt_shutdown(&f.w);
	munmap(ro, 4096);
}
END_TEST

/* ---- IMPORT --------------------------------------------------------------- */

/* Linux 4.9 dma-buf.c dma_buf_get: no such fd is EBADF. */
START_TEST(import_bad_fd_is_ebadf)
{
	struct fixture f;
	int h = 42;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_import(f.p, f.ion, 99, &h), -EBADF);
	ck_assert_int_eq(h, 0);	/* copied back as it came in */
	ck_assert_int_eq(mt_import(f.p, f.ion, -1, NULL), -EBADF);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 dma-buf.c dma_buf_get: a file that is not a dma-buf (the
 * terminal, /dev/ion itself) is EINVAL. */
START_TEST(import_non_dmabuf_is_einval)
{
	struct fixture f;

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_import(f.p, f.ion, 0, NULL), -EINVAL);
	ck_assert_int_eq(mt_import(f.p, f.ion, f.ion, NULL), -EINVAL);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_import_dma_buf: another exporter's dma-buf (here
 * one named as a DMA-BUF heap's) is EINVAL. */
START_TEST(import_foreign_dmabuf_is_einval)
{
	struct fixture f;
	struct kion_dmabuf *db;
	struct kion_buffer *b;
	int err = 0, fd;

	setup(&f, KION_KERNEL_4_9_337);
	b = mt_handle(f.p, f.ion, mt_alloc_ok(f.p, f.ion, 4096,
					      MT_MASK(MT_SYSTEM)))->buffer;
	db = kion_dmabuf_export(b, "system_heap", SIM_O_RDWR, &err);
	ck_assert_ptr_nonnull(db);
	ck_assert(!kion_dmabuf_is_ion(db));
	fd = sim_fd_install(f.p, db->file, SIM_O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mt_import(f.p, f.ion, fd, NULL), -EINVAL);
	ck_assert_uint_eq(b->ref, 2);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_import_dma_buf: a buffer the client has a handle
 * on gives the same id; 4.9.337 counts it in user refs (K unchanged). */
START_TEST(import_known_buffer_returns_same_id)
{
	struct fixture f;
	struct kion_handle *h;
	int id, fd, got = 0;

	setup(&f, KION_KERNEL_4_9_337);
	id = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(f.p, f.ion, id);
	ck_assert_int_eq(mt_import(f.p, f.ion, fd, &got), 0);
	ck_assert_int_eq(got, id);
	h = mt_handle(f.p, f.ion, id);
	ck_assert_uint_eq(h->kref, 1);
	ck_assert_uint_eq(h->user_ref_count, 2);
	ck_assert_int_eq(h->buffer->handle_count, 1);
	ck_assert_uint_eq(h->buffer->ref, 2);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9.45 ion.c: the same import takes one more plain kref. */
START_TEST(import_known_buffer_takes_kref_4_9_45)
{
	struct fixture f;
	int id, fd, got = 0;

	setup(&f, KION_KERNEL_4_9_45);
	id = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(f.p, f.ion, id);
	ck_assert_int_eq(mt_import(f.p, f.ion, fd, &got), 0);
	ck_assert_int_eq(got, id);
	ck_assert_uint_eq(mt_handle(f.p, f.ion, id)->kref, 2);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: IMPORT's argument is copied in first. */
START_TEST(import_unmapped_arg_is_efault)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_IMPORT, bad), -EFAULT);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.9.337 ion-ioctl.c user_ion_handle_get_check_overflow: a user
 * count that would wrap refuses the import with EOVERFLOW and a zeroed
 * id (narrow counts make it reachable). */
START_TEST(import_user_ref_overflow_is_eoverflow)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_337,
				   .kref_bits = 2 };
	struct mt_world w;
	struct sim_proc *p;
	int ion, id, fd, got, i;

	mt_boot_full(&w, &cfg, NULL, 0);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	id = mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(p, ion, id);
	/* user refs 1 -> 2 -> 3; the next would wrap to 0. */
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(mt_import(p, ion, fd, &got), 0);
	got = 55;
	ck_assert_int_eq(mt_import(p, ion, fd, &got), -EOVERFLOW);
	ck_assert_int_eq(got, 0);
	ck_assert_uint_eq(mt_handle(p, ion, id)->user_ref_count, 3);
	ck_assert_uint_eq(mt_handle(p, ion, id)->kref, 1);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9.y "check for kref overflow" (ion_handle_get_check_overflow)
 * on plain user krefs: IMPORT, FREE and SHARE refuse a kref that would
 * wrap with EOVERFLOW. */
START_TEST(kref_overflow_is_eoverflow)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_337,
				   .bugs = KION_BUGS_EXACT | KION_BUG_NO_USER_REFS,
				   .kref_bits = 2 };
	struct mt_world w;
	struct sim_proc *p;
	int ion, id, fd;

	mt_boot_full(&w, &cfg, NULL, 0);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	id = mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(p, ion, id);
	ck_assert_int_eq(mt_import(p, ion, fd, NULL), 0);
	ck_assert_int_eq(mt_import(p, ion, fd, NULL), 0);
	ck_assert_uint_eq(mt_handle(p, ion, id)->kref, 3);
	ck_assert_int_eq(mt_import(p, ion, fd, NULL), -EOVERFLOW);
	ck_assert_int_eq(mt_free(p, ion, id), -EOVERFLOW);
	ck_assert_int_eq(mt_share(p, ion, id, NULL), -EOVERFLOW);
	ck_assert_uint_eq(mt_handle(p, ion, id)->kref, 3);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9.45 (ION-SPEC 7.5): without the check the kref wraps, and one
 * FREE destroys a handle userspace imported three times; FREE's own
 * temporary put then lands on the destroyed handle (a use after free). */
START_TEST(kref_wrap_destroys_handle_early_4_9_45)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_45,
				   .kref_bits = 2 };
	struct mt_world w;
	struct sim_proc *p;
	int ion, id, fd, i;

	mt_boot_full(&w, &cfg, NULL, 0);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	id = mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(p, ion, id);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(mt_import(p, ion, fd, NULL), 0);
	ck_assert_uint_eq(mt_handle(p, ion, id)->kref, 0);	/* wrapped */
	ck_assert_int_eq(mt_free(p, ion, id), 0);
	ck_assert_ptr_null(mt_handle(p, ion, id));
	ck_assert_uint_eq(w.dev->uaf, 1);
	ck_assert_uint_ge(w.dev->warnings, 1);
	ck_assert_int_eq(mt_free(p, ion, id), -EINVAL);
	mt_shutdown(&w);
}
END_TEST

/* ---- SYNC and CUSTOM -------------------------------------------------------- */

/* Linux 4.9 ion.c ion_sync_for_device: a validated no-op on an ION fd;
 * EBADF for no fd, EINVAL for another kind of file or exporter; forced
 * write-only, so read-only argument memory is fine. */
START_TEST(sync_checks_the_fd_only)
{
	struct fixture f;
	struct kion_dmabuf *db;
	struct ion_fd_data d = { .handle = 0 };
	void *ro;
	int err = 0, foreign;

	setup(&f, KION_KERNEL_4_9_337);
	d.fd = mt_share_ok(f.p, f.ion, mt_alloc_ok(f.p, f.ion, 4096,
						   MT_MASK(MT_SYSTEM)));
	ro = mt_ro_page(&d, sizeof(d));
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SYNC, ro), 0);
	d.fd = 77;
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SYNC, &d), -EBADF);
	d.fd = 1;
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SYNC, &d), -EINVAL);
	db = kion_dmabuf_export(mt_fd_buffer(f.p, 4), "system_heap",
				SIM_O_RDWR, &err);
	ck_assert_ptr_nonnull(db);
	foreign = sim_fd_install(f.p, db->file, 0);
	d.fd = foreign;
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_SYNC, &d), -EINVAL);
	mt_shutdown(&f.w);
	munmap(ro, 4096);
}
END_TEST

/* Linux 4.9 ion-ioctl.c ION_IOC_CUSTOM: no custom_ioctl callback. */
START_TEST(custom_without_callback_is_enotty)
{
	struct fixture f;
	struct ion_custom_data c = { .cmd = 1, .arg = 2 };

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_CUSTOM, &c), -ENOTTY);
	mt_shutdown(&f.w);
}
END_TEST

/* ---- HEAP_QUERY ----------------------------------------------------------------- */

/* Linux 4.9 ion.c ion_query_heaps: heaps == 0 asks for the count. */
START_TEST(query_without_list_gives_count)
{
	struct fixture f;
	struct ion_heap_query q = { .cnt = 99 };

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_HEAP_QUERY, &q), 0);
	ck_assert_uint_eq(q.cnt, 5);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_query_heaps: the list comes in priority order
 * (highest id first), and 4.9 still answers EINVAL (its ret never
 * leaves -EINVAL), with cnt set and the entries written. */
START_TEST(query_list_is_einval_on_4_9)
{
	static const char *const names[] = { "cma", "chunk", "carveout",
					     "system_contig", "system" };
	struct ion_heap_data hd[8];
	struct ion_heap_query q = { .cnt = 8 };
	struct fixture f;
	int i;

	memset(hd, 0x5a, sizeof(hd));
	q.heaps = (uintptr_t)hd;
	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_HEAP_QUERY, &q), -EINVAL);
	ck_assert_uint_eq(q.cnt, 5);
	for (i = 0; i < 5; i++) {
		ck_assert_str_eq(hd[i].name, names[i]);
		ck_assert_uint_eq(hd[i].heap_id, 4 - i);
		ck_assert_uint_eq(hd[i].type, 4 - i);
		ck_assert_uint_eq(hd[i].reserved0 | hd[i].reserved1 |
				  hd[i].reserved2, 0);
	}
	ck_assert_uint_eq((unsigned char)hd[5].name[0], 0x5a);	/* untouched */
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.14 ion.c: the fixed code answers 0 (KION_BUG_QUERY_EINVAL
 * switched off). */
START_TEST(query_list_is_0_when_fixed)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_337,
				   .bugs = KION_BUGS_EXACT };
	struct ion_heap_data hd[5];
	struct ion_heap_query q = { .cnt = 5 };
	struct mt_world w;
	struct sim_proc *p;
	int ion;

	q.heaps = (uintptr_t)hd;
	mt_boot_full(&w, &cfg, NULL, 0);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	ck_assert_int_eq(mt_ioctl(p, ion, ION_IOC_HEAP_QUERY, &q), 0);
	ck_assert_uint_eq(q.cnt, 5);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9 ion.c ion_query_heaps: at most cnt entries are written. */
START_TEST(query_cnt_bounds_the_list)
{
	struct ion_heap_data hd[2];
	struct ion_heap_query q = { .cnt = 2 };
	struct fixture f;

	/* Valgrind does not see process_vm_writev fill our own memory. */
	memset(hd, 0, sizeof(hd));
	q.heaps = (uintptr_t)hd;
	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_HEAP_QUERY, &q), -EINVAL);
	ck_assert_uint_eq(q.cnt, 2);
	ck_assert_str_eq(hd[1].name, "chunk");
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_query_heaps: a list with cnt 0 is EINVAL and
 * nothing changes. */
START_TEST(query_list_with_zero_cnt_is_einval)
{
	struct ion_heap_data hd[1];
	struct ion_heap_query q = { .cnt = 0 };
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_337,
				   .bugs = KION_BUGS_EXACT };
	struct mt_world w;
	struct sim_proc *p;
	int ion;

	q.heaps = (uintptr_t)hd;
	mt_boot_full(&w, &cfg, NULL, 0);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	ck_assert_int_eq(mt_ioctl(p, ion, ION_IOC_HEAP_QUERY, &q), -EINVAL);
	ck_assert_uint_eq(q.cnt, 0);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c validate_ioctl_arg: any reserved word set is
 * EINVAL, before the command runs (a bad list pointer is not seen). */
START_TEST(query_reserved_nonzero_is_einval)
{
	struct fixture f;
	struct ion_heap_query q;
	int i;

	setup(&f, KION_KERNEL_4_9_337);
	for (i = 0; i < 3; i++) {
		memset(&q, 0, sizeof(q));
		q.cnt = 1;
		q.heaps = 8;	/* would fault */
		if (i == 0)
			q.reserved0 = 1;
		else if (i == 1)
			q.reserved1 = 1;
		else
			q.reserved2 = 0x80000000u;
		ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_HEAP_QUERY, &q),
				 -EINVAL);
		ck_assert_uint_eq(q.cnt, 1);
	}
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion.c ion_query_heaps: an entry that cannot be written is
 * EFAULT (and cnt goes back unchanged). */
START_TEST(query_unwritable_list_is_efault)
{
	struct fixture f;
	struct ion_heap_query q = { .cnt = 3 };
	void *bad = mt_bad_page();

	q.heaps = (uintptr_t)bad;
	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_HEAP_QUERY, &q), -EFAULT);
	ck_assert_uint_eq(q.cnt, 3);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.9 ion.c ion_device_add_heap (plist, prio -id): equal ids keep
 * the order in which the board registered them. */
START_TEST(query_equal_ids_keep_board_order)
{
	struct heap_board board;
	struct ion_heap_data hd[3];
	struct ion_heap_query q = { .cnt = 3 };
	struct mt_world w;
	struct sim_proc *p;
	int ion;

	memset(hd, 0, sizeof(hd));
	board.n = 0;
	mt_board_add(&board, "first", HEAP_TYPE_SYSTEM_CONTIG, 3, 0);
	mt_board_add(&board, "low", HEAP_TYPE_SYSTEM, 1, 0);
	mt_board_add(&board, "second", HEAP_TYPE_SYSTEM, 3, 0);
	q.heaps = (uintptr_t)hd;
	mt_boot_full(&w, NULL, &board, 0);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	ck_assert_int_eq(mt_ioctl(p, ion, ION_IOC_HEAP_QUERY, &q), -EINVAL);
	ck_assert_str_eq(hd[0].name, "first");
	ck_assert_str_eq(hd[1].name, "second");
	ck_assert_str_eq(hd[2].name, "low");
	/* ALLOC walks the same order: "first" answers for id 3. */
	ck_assert_str_eq(heap_name(mt_handle(p, ion, mt_alloc_ok(p, ion, 4096,
			 MT_MASK(3)))->buffer->heap), "first");
	mt_shutdown(&w);
}
END_TEST

/* ---- the dispatcher --------------------------------------------------------------- */

/* Linux 4.9 ion-ioctl.c: _IOC_SIZE above the 32-byte union is EINVAL
 * before anything else: even an unknown command with a bad pointer. */
START_TEST(size_too_big_is_einval_before_enotty)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IOWR('I', 0x50, char[33]), bad),
			 -EINVAL);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IOWR('I', 0, char[40]), NULL),
			 -EINVAL);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: the cmd must match exactly: the right nr with
 * the wrong size or direction is unknown: ENOTTY (the modern ALLOC and
 * ABI_VERSION among them). */
START_TEST(wrong_size_or_dir_is_enotty)
{
	struct fixture f;
	char buf[32] = { 0 };

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_NEW_ALLOC, buf), -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_ABI_VERSION, buf),
			 -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IOR('I', 4, struct ion_fd_data),
				  buf), -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IOWR('I', 3, int), buf), -ENOTTY);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IO('I', 0xf0), NULL), -ENOTTY);
	mt_shutdown(&f.w);
}
END_TEST

/* Linux 4.9 ion-ioctl.c: an unknown command's argument is still copied
 * in first, so a bad pointer is EFAULT, not ENOTTY. */
START_TEST(unknown_cmd_copies_in_first)
{
	struct fixture f;
	void *bad = mt_bad_page();

	setup(&f, KION_KERNEL_4_9_337);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IOWR('X', 1, int), bad), -EFAULT);
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, _IO('X', 1), bad), -ENOTTY);
	mt_shutdown(&f.w);
	munmap(bad, 4096);
}
END_TEST

/* sys_ioctl takes an unsigned int cmd: bits above 32 never arrive. */
START_TEST(cmd_upper_bits_are_dropped)
{
	struct fixture f;
	struct ion_handle_data d;

	setup(&f, KION_KERNEL_4_9_337);
	d.handle = mt_alloc_ok(f.p, f.ion, 4096, MT_MASK(MT_SYSTEM));
	ck_assert_int_eq(mt_ioctl(f.p, f.ion, ION_IOC_FREE | (1UL << 40), &d),
			 0);
	mt_shutdown(&f.w);
}
END_TEST

/* Every release's defect set (ION-SPEC 7, Appendix A item 9). */
START_TEST(kernel_bug_sets)
{
	unsigned int b45 = kion_kernel_bugs(KION_KERNEL_4_9_45);

	ck_assert_uint_eq(kion_kernel_bugs(KION_KERNEL_4_4),
			  b45 | KION_BUG_FREE_RACE);
	ck_assert(!(b45 & KION_BUG_FREE_RACE));
	ck_assert(b45 & KION_BUG_SHARE_UNLOCKED);
	ck_assert(b45 & KION_BUG_NO_USER_REFS);
	ck_assert(b45 & KION_BUG_ALLOC_UAF);
	ck_assert(b45 & KION_BUG_KREF_OVERFLOW);
	ck_assert(b45 & KION_BUG_QUERY_EINVAL);
	ck_assert(b45 & KION_BUG_KMAP_OVERFLOW);
	/* Every upstream 4.x: SYNC's unchecked kmap_cnt (CVE-2021-0929,
	 * still in kernel.org 4.9.337) and deferring carveouts (3.8). */
	ck_assert(b45 & KION_BUG_KMAP_SYNC);
	ck_assert(b45 & KION_BUG_DEFER_CARVEOUT);
	ck_assert_uint_eq(kion_kernel_bugs(KION_KERNEL_4_9_337),
			  KION_BUG_QUERY_EINVAL | KION_BUG_KMAP_SYNC |
			  KION_BUG_DEFER_CARVEOUT);
	ck_assert_uint_eq(kion_kernel_bugs(KION_KERNEL_4_19),
			  KION_BUG_KMAP_SYNC | KION_BUG_KMAP_OVERFLOW |
			  KION_BUG_DEFER_CARVEOUT);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/legacy_ioctl");
	TCase *tc = tcase_create("alloc");

	tcase_add_test(tc, alloc_gives_lowest_free_id_from_1);
	tcase_add_test(tc, alloc_ids_stay_lowest_free_over_random_frees);
	tcase_add_test(tc, alloc_refs_4_9_337);
	tcase_add_test(tc, alloc_refs_4_9_45);
	tcase_add_test(tc, alloc_zero_or_wrapping_len_is_einval);
	tcase_add_test(tc, alloc_mask_matching_no_heap_is_enodev);
	tcase_add_test(tc, alloc_tries_highest_id_first);
	tcase_add_test(tc, alloc_falls_through_to_a_lower_heap);
	tcase_add_test(tc, alloc_all_fail_returns_last_heap_errno);
	tcase_add_test(tc, alloc_cma_failure_is_eperm);
	tcase_add_test(tc, alloc_forbidden_heap_is_eacces);
	tcase_add_test(tc, alloc_unmapped_arg_is_efault);
	tcase_add_test(tc, alloc_copy_back_efault_frees_handle);
	tcase_add_test(tc, alloc_copy_back_efault_frees_handle_4_9_45);
	tcase_add_test(tc, alloc_kobj_failure_leaves_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	tcase_add_test(tc, free_unknown_handle_is_einval);
	tcase_add_test(tc, free_twice_is_einval);
	tcase_add_test(tc, free_destroys_handle_and_buffer);
	tcase_add_test(tc, free_never_copies_back);
	tcase_add_test(tc, free_unmapped_arg_is_efault);
	tcase_add_test(tc, kref_overflow_is_eoverflow);
	tcase_add_test(tc, kref_wrap_destroys_handle_early_4_9_45);
	suite_add_tcase(s, tc);

	tc = tcase_create("share");
	tcase_add_test(tc, share_makes_a_new_dmabuf_each_time);
	tcase_add_test(tc, map_is_share);
	tcase_add_test(tc, share_unknown_handle_is_einval);
	tcase_add_test(tc, share_without_free_fd_is_emfile);
	tcase_add_test(tc, share_copy_back_efault_keeps_fd);
	suite_add_tcase(s, tc);

	tc = tcase_create("import");
	tcase_add_test(tc, import_bad_fd_is_ebadf);
	tcase_add_test(tc, import_non_dmabuf_is_einval);
	tcase_add_test(tc, import_foreign_dmabuf_is_einval);
	tcase_add_test(tc, import_known_buffer_returns_same_id);
	tcase_add_test(tc, import_known_buffer_takes_kref_4_9_45);
	tcase_add_test(tc, import_unmapped_arg_is_efault);
	tcase_add_test(tc, import_user_ref_overflow_is_eoverflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("sync_custom");
	tcase_add_test(tc, sync_checks_the_fd_only);
	tcase_add_test(tc, custom_without_callback_is_enotty);
	suite_add_tcase(s, tc);

	tc = tcase_create("heap_query");
	tcase_add_test(tc, query_without_list_gives_count);
	tcase_add_test(tc, query_list_is_einval_on_4_9);
	tcase_add_test(tc, query_list_is_0_when_fixed);
	tcase_add_test(tc, query_cnt_bounds_the_list);
	tcase_add_test(tc, query_list_with_zero_cnt_is_einval);
	tcase_add_test(tc, query_reserved_nonzero_is_einval);
	tcase_add_test(tc, query_unwritable_list_is_efault);
	tcase_add_test(tc, query_equal_ids_keep_board_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("dispatcher");
	tcase_add_test(tc, size_too_big_is_einval_before_enotty);
	tcase_add_test(tc, wrong_size_or_dir_is_enotty);
	tcase_add_test(tc, unknown_cmd_copies_in_first);
	tcase_add_test(tc, cmd_upper_bits_are_dropped);
	tcase_add_test(tc, kernel_bug_sets);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
