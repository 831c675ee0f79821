/*
 * tests/model/test_lifetime.c - who keeps a buffer alive, and when it
 * goes: handles, dma-buf fds (shared, dup'ed, passed, inherited), the
 * /dev/ion client's close, process exit in the orders that matter,
 * mappings, kernel mapping counts through DMA_BUF_IOCTL_SYNC, and the
 * heaps' deferred free.  Every test also checks that a buffer is
 * destroyed exactly once and that nothing is left at shutdown.
 * Kernel reference: Linux 4.9 ion.c (handles, ion_client_destroy,
 * ion_buffer_remove_from_handle, _ion_buffer_destroy, begin/end cpu
 * access), ion-ioctl.c, and dma-buf.c (release, mmap, llseek, ioctl).
 */
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>

#include "modelutil.h"

/* ---- narration, to count destructions ----------------------------- */

static char narration[1 << 16];
static size_t narrated;

static void record(void *ctx, const char *func, const char *what)
{
	int n = snprintf(narration + narrated, sizeof(narration) - narrated,
			 "%s: %s\n", func, what);

	if (n > 0 && (size_t)n < sizeof(narration) - narrated)
		narrated += (size_t)n;
}

static void narrate(struct mt_world *w)
{
	narrated = 0;
	narration[0] = '\0';
	kion_set_trace(w->dev, record, NULL);
}

/* How many times @needle appears in the narration. */
static int told(const char *needle)
{
	const char *at = narration;
	int n = 0;

	while ((at = strstr(at, needle))) {
		n++;
		at += strlen(needle);
	}
	return n;
}

/* Two processes with /dev/ion open. */
struct pair {
	struct mt_world w;
	struct sim_proc *a, *b;
	int ia, ib;
};

static void pair_setup(struct pair *t)
{
	mt_boot(&t->w);
	narrate(&t->w);
	t->a = mt_spawn(&t->w, "camera");
	t->b = mt_spawn(&t->w, "compositor");
	t->ia = mt_open(&t->w, t->a);
	t->ib = mt_open(&t->w, t->b);
}

/* ---- sharing between processes -------------------------------------- */

/* Linux 4.9: SHARE, pass the fd, IMPORT in another client: one more
 * handle (HC 2) and one more buffer kref per holder. */
START_TEST(share_pass_import_in_another_process)
{
	struct pair t;
	struct kion_buffer *b;
	int ha, fd, fdb, hb = 0;

	pair_setup(&t);
	ha = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, ha);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_ge(fdb, 0);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	ck_assert_int_eq(hb, 1);
	b = mt_handle(t.b, t.ib, hb)->buffer;
	ck_assert_ptr_eq(b, mt_handle(t.a, t.ia, ha)->buffer);
	ck_assert_int_eq(b->handle_count, 2);
	ck_assert_uint_eq(b->ref, 3);	/* two handles, one dma-buf */
	ck_assert_uint_eq(sim_fd_peek(t.a, fd)->count, 2);
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	ck_assert_int_eq(sim_fd_close(t.b, fdb), 0);
	ck_assert_uint_eq(b->ref, 2);	/* the dma-buf went */
	ck_assert_int_eq(mt_free(t.a, t.ia, ha), 0);
	ck_assert_int_eq(mt_free(t.b, t.ib, hb), 0);
	ck_assert_int_eq(told("buffer 1 destroyed"), 1);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 ion.c ion_import_dma_buf: importing twice gives one id and
 * needs two FREEs; the third is EINVAL. */
START_TEST(import_twice_needs_two_frees)
{
	struct pair t;
	int ha, fd, fdb, h1 = 0, h2 = 0;

	pair_setup(&t);
	ha = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CARVEOUT));
	fd = mt_share_ok(t.a, t.ia, ha);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &h1), 0);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &h2), 0);
	ck_assert_int_eq(h1, h2);
	ck_assert_uint_eq(mt_client(t.b, t.ib)->nhandles, 1);
	ck_assert_int_eq(mt_free(t.b, t.ib, h1), 0);
	ck_assert_ptr_nonnull(mt_handle(t.b, t.ib, h1));
	ck_assert_int_eq(mt_free(t.b, t.ib, h1), 0);
	ck_assert_ptr_null(mt_handle(t.b, t.ib, h1));
	ck_assert_int_eq(mt_free(t.b, t.ib, h1), -EINVAL);
	ck_assert_int_eq(mt_handle(t.a, t.ia, ha)->buffer->handle_count, 1);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9: FREE does not touch dma-buf fds: the buffer lives on as an
 * orphan, attributed to the process that dropped the last handle. */
START_TEST(free_leaves_shared_buffer_orphaned)
{
	struct pair t;
	struct kion_buffer *b;
	int ha, fd;

	pair_setup(&t);
	ha = mt_alloc_ok(t.a, t.ia, 8192, MT_MASK(MT_CONTIG));
	fd = mt_share_ok(t.a, t.ia, ha);
	b = mt_fd_buffer(t.a, fd);
	ck_assert_int_eq(mt_free(t.a, t.ia, ha), 0);
	ck_assert(b->live);
	ck_assert_int_eq(b->handle_count, 0);
	ck_assert_uint_eq(b->ref, 1);
	ck_assert_str_eq(b->task_comm, "camera");
	ck_assert_int_eq(b->pid, sim_proc_pid(t.a));
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	ck_assert_uint_eq(mt_metrics(&t.w, "system_contig").used, 0);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 ion.c ion_client_destroy: closing /dev/ion destroys every
 * handle whatever its count; shared buffers survive through their fds. */
START_TEST(close_ion_destroys_handles_leaving_orphans)
{
	struct pair t;
	struct kion_buffer *shared;
	int h1, h2, fd;

	pair_setup(&t);
	h1 = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CONTIG));
	h2 = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CONTIG));
	fd = mt_share_ok(t.a, t.ia, h2);
	ck_assert_int_eq(mt_import(t.a, t.ia, fd, NULL), 0);	/* U = 2 */
	shared = mt_fd_buffer(t.a, fd);
	ck_assert_int_eq(sim_fd_close(t.a, t.ia), 0);
	ck_assert_uint_eq(t.w.dev->nclients, 1);
	ck_assert_uint_eq(t.w.dev->nbuffers, 1);
	ck_assert(shared->live);
	ck_assert_int_eq(shared->handle_count, 0);
	ck_assert_str_eq(shared->task_comm, "camera");
	ck_assert_int_eq(told("buffer 1 destroyed"), 1);
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	ck_assert_int_eq(told("buffer 2 destroyed"), 1);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	(void)h1;
	mt_shutdown(&t.w);
}
END_TEST

/* dup(2) of a dma-buf fd is one more file reference: the buffer goes
 * with the last of them; a dup'ed /dev/ion fd keeps the same client. */
START_TEST(dup_shares_the_file)
{
	struct pair t;
	int h, fd, fd2, ion2;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CONTIG));
	fd = mt_share_ok(t.a, t.ia, h);
	fd2 = sim_fd_dup(t.a, fd);
	ck_assert_int_ge(fd2, 0);
	ion2 = sim_fd_dup(t.a, t.ia);
	ck_assert_ptr_eq(mt_client(t.a, ion2), mt_client(t.a, t.ia));
	ck_assert_int_eq(sim_fd_close(t.a, t.ia), 0);
	ck_assert_ptr_nonnull(mt_handle(t.a, ion2, h));	/* client alive */
	ck_assert_int_eq(sim_fd_close(t.a, ion2), 0);
	ck_assert_uint_eq(t.w.dev->nclients, 1);
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 1);
	ck_assert_int_eq(sim_fd_close(t.a, fd2), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	mt_shutdown(&t.w);
}
END_TEST

/* /dev/ion fds passed over a socket reach the sender's client: the
 * receiver's ioctls act on it. */
START_TEST(passed_ion_fd_is_the_same_client)
{
	struct pair t;
	int ionb, h;

	pair_setup(&t);
	ionb = sim_fd_send(t.a, t.ia, t.b);
	ck_assert_int_ge(ionb, 0);
	h = mt_alloc_ok(t.b, ionb, 4096, MT_MASK(MT_SYSTEM));
	ck_assert_ptr_nonnull(mt_handle(t.a, t.ia, h));
	ck_assert_str_eq(mt_handle(t.a, t.ia, h)->buffer->alloc_comm,
			 "compositor");
	mt_shutdown(&t.w);
}
END_TEST

/* fork: the child inherits the /dev/ion fd, so it shares the parent's
 * client; the client goes only when both have exited. */
START_TEST(fork_inherits_the_client)
{
	struct mt_world w;
	struct sim_proc *p, *child;
	int ion, h1, h2, err = 0;

	mt_boot(&w);
	p = mt_spawn(&w, "zygote");
	ion = mt_open(&w, p);
	h1 = mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM));
	child = sim_proc_fork(p, &err);
	ck_assert_ptr_nonnull(child);
	ck_assert_ptr_eq(mt_client(child, ion), mt_client(p, ion));
	h2 = mt_alloc_ok(child, ion, 4096, MT_MASK(MT_SYSTEM));
	ck_assert_int_eq(h2, h1 + 1);
	ck_assert_int_eq(mt_handle(p, ion, h2)->buffer->alloc_pid,
			 sim_proc_pid(child));
	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_uint_eq(w.dev->nclients, 1);
	ck_assert_uint_eq(w.dev->nbuffers, 2);
	ck_assert_int_eq(sim_proc_exit(child), 0);
	ck_assert_uint_eq(w.dev->nclients, 0);
	ck_assert_uint_eq(w.dev->nbuffers, 0);
	mt_shutdown(&w);
}
END_TEST

/* The importer exits first, then the exporter: the buffer lives until
 * the last holder, and is destroyed once. */
START_TEST(exit_importer_first)
{
	struct pair t;
	int h, fd, fdb;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CARVEOUT));
	fd = mt_share_ok(t.a, t.ia, h);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, NULL), 0);
	ck_assert_int_eq(sim_proc_exit(t.b), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 1);
	ck_assert_int_eq(mt_handle(t.a, t.ia, h)->buffer->handle_count, 1);
	ck_assert_int_eq(sim_proc_exit(t.a), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	ck_assert_int_eq(told("buffer 1 destroyed"), 1);
	mt_shutdown(&t.w);
}
END_TEST

/* The exporter exits first: the importer's handle (and fd) keep the
 * buffer, which is no orphan; the importer's exit ends it. */
START_TEST(exit_exporter_first)
{
	struct pair t;
	struct kion_buffer *b;
	int h, fd, fdb, hb = 0;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CARVEOUT));
	fd = mt_share_ok(t.a, t.ia, h);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	ck_assert_int_eq(sim_fd_close(t.b, fdb), 0);
	ck_assert_int_eq(sim_proc_exit(t.a), 0);
	b = mt_handle(t.b, t.ib, hb)->buffer;
	ck_assert(b->live);
	ck_assert_int_eq(b->handle_count, 1);
	ck_assert_uint_eq(b->ref, 1);
	ck_assert_int_eq(sim_proc_exit(t.b), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	ck_assert_int_eq(told("buffer 1 destroyed"), 1);
	mt_shutdown(&t.w);
}
END_TEST

/* A message in flight holds the dma-buf: the sender's exit does not end
 * the buffer; receiving (or dropping) the message decides. */
START_TEST(exit_with_fd_in_flight)
{
	struct pair t;
	int h, fd, token, fdb, hb = 0;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	token = sim_fd_send_begin(t.a, fd);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(sim_proc_exit(t.a), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 1);
	fdb = sim_fd_send_end(t.w.m, token, t.b);
	ck_assert_int_ge(fdb, 0);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	ck_assert_int_eq(mt_handle(t.b, t.ib, hb)->buffer->handle_count, 1);
	ck_assert_int_eq(sim_proc_exit(t.b), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9: the mapping holds the dma-buf file: after FREE and close
 * the buffer lives until munmap, then goes. */
START_TEST(mmap_keeps_buffer_until_munmap)
{
	struct pair t;
	struct sim_vma *vma;
	int h, fd;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 3 * 4096, MT_MASK(MT_CONTIG));
	fd = mt_share_ok(t.a, t.ia, h);
	vma = mt_mmap(t.a, fd, 3 * 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	memcpy(vma->host, "frame", 5);
	ck_assert_int_eq(mt_free(t.a, t.ia, h), 0);
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 1);
	ck_assert_uint_eq(t.w.dev->ndmabufs, 1);
	ck_assert_int_eq(memcmp(vma->host, "frame", 5), 0);
	ck_assert_int_eq(sim_munmap(t.a, vma->host, 3 * 4096), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	ck_assert_uint_eq(t.w.dev->ndmabufs, 0);
	ck_assert_int_eq(told("buffer 1 destroyed"), 1);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 dma-buf.c dma_buf_mmap_internal: pgoff + pages beyond the
 * size is EINVAL; /dev/ion itself has no mmap (ENODEV). */
START_TEST(mmap_past_the_end_is_einval)
{
	struct pair t;
	struct sim_vma *vma = NULL;
	int h, fd;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 2 * 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	ck_assert_int_eq(sim_mmap(t.a, fd, 3 * 4096, SIM_PROT_READ,
				  SIM_MAP_SHARED, 0, &vma), -EINVAL);
	ck_assert_int_eq(sim_mmap(t.a, fd, 2 * 4096, SIM_PROT_READ,
				  SIM_MAP_SHARED, 4096, &vma), -EINVAL);
	ck_assert_int_eq(sim_mmap(t.a, fd, 4096, SIM_PROT_READ,
				  SIM_MAP_SHARED, 4096, &vma), 0);
	ck_assert_int_eq(sim_mmap(t.a, t.ia, 4096, SIM_PROT_READ,
				  SIM_MAP_SHARED, 0, &vma), -ENODEV);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 dma-buf.c dma_buf_llseek: only the size can be learnt. */
START_TEST(lseek_reports_size_only)
{
	struct pair t;
	struct sim_file *f;
	int fd;

	pair_setup(&t);
	fd = mt_share_ok(t.a, t.ia, mt_alloc_ok(t.a, t.ia, 5000,
						MT_MASK(MT_SYSTEM)));
	f = sim_fd_peek(t.a, fd);
	ck_assert_int_eq(f->ops->llseek(f, 0, SEEK_END), 8192);
	ck_assert_int_eq(f->ops->llseek(f, 0, SEEK_SET), 0);
	ck_assert_int_eq(f->ops->llseek(f, 0, SEEK_CUR), -EINVAL);
	ck_assert_int_eq(f->ops->llseek(f, 1, SEEK_END), -EINVAL);
	ck_assert_int_eq(f->ops->llseek(f, 4096, SEEK_SET), -EINVAL);
	mt_shutdown(&t.w);
}
END_TEST

/* ---- kernel mapping counts through DMA_BUF_IOCTL_SYNC ------------------ */

/* Linux 4.9 ion.c begin/end_cpu_access: START +1 (mapping on 0 -> 1),
 * END -1 unchecked: an END with no START drives the count negative, and
 * the next START then hands back the stale NULL mapping (CVE-2021-0929). */
START_TEST(cpu_sync_counts_kmaps_and_underflows)
{
	struct pair t;
	struct kion_buffer *b;
	int fd;

	pair_setup(&t);
	fd = mt_share_ok(t.a, t.ia, mt_alloc_ok(t.a, t.ia, 4096,
						MT_MASK(MT_SYSTEM)));
	b = mt_fd_buffer(t.a, fd);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 1);
	ck_assert_ptr_nonnull(b->hb.vaddr);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_READ), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 2);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_WRITE |
				     DMA_BUF_SYNC_END), 0);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW |
				     DMA_BUF_SYNC_END), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_ptr_null(b->hb.vaddr);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW |
				     DMA_BUF_SYNC_END), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, -1);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_ptr_null(b->hb.vaddr);	/* no mapping made */
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 1);
	ck_assert_ptr_nonnull(b->hb.vaddr);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 dma-buf.c dma_buf_ioctl: unknown flags, or no direction, are
 * EINVAL; a bad pointer EFAULT; any other ioctl ENOTTY. */
START_TEST(cpu_sync_flag_validation)
{
	struct pair t;
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	int fd;

	pair_setup(&t);
	fd = mt_share_ok(t.a, t.ia, mt_alloc_ok(t.a, t.ia, 4096,
						MT_MASK(MT_SYSTEM)));
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, 0), -EINVAL);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_END), -EINVAL);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW | 8), -EINVAL);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, 1ULL << 40 | 1), -EINVAL);
	ck_assert_int_eq(mt_ioctl(t.a, fd, DMA_BUF_IOCTL_SYNC, bad), -EFAULT);
	ck_assert_int_eq(mt_ioctl(t.a, fd, ION_IOC_FREE, bad), -ENOTTY);
	ck_assert_int_eq(mt_fd_buffer(t.a, fd)->hb.kmap_cnt, 0);
	mt_shutdown(&t.w);
	munmap(bad, 4096);
}
END_TEST

/* Linux 4.9.337 ("Prevent incorrect reference counting"): a START at
 * INT_MAX is EOVERFLOW; 4.9.45 (KION_BUG_KMAP_SYNC) wraps instead. */
START_TEST(cpu_sync_at_int_max)
{
	enum kion_kernel kernels[] = { KION_KERNEL_4_9_337, KION_KERNEL_4_9_45 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct mt_world w;
		struct sim_proc *p;
		struct kion_buffer *b;
		int ion, fd;

		mt_boot_kernel(&w, kernels[i]);
		p = mt_spawn(&w, "app");
		ion = mt_open(&w, p);
		fd = mt_share_ok(p, ion, mt_alloc_ok(p, ion, 4096,
						     MT_MASK(MT_CONTIG)));
		b = mt_fd_buffer(p, fd);
		ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW), 0);
		b->hb.kmap_cnt = INT_MAX;	/* as after 2^31 - 2 more STARTs */
		if (i == 0) {
			ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW),
					 -EOVERFLOW);
			ck_assert_int_eq(b->hb.kmap_cnt, INT_MAX);
		} else {
			ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW), 0);
			ck_assert_int_eq(b->hb.kmap_cnt, INT_MIN);
		}
		b->hb.kmap_cnt = 1;
		mt_shutdown(&w);
	}
}
END_TEST

/* ---- deferred free ---------------------------------------------------------- */

/* Linux 4.9 ion.c _ion_buffer_destroy: a DEFER_FREE heap's buffer leaves
 * dev->buffers at once but its memory waits on the free list; a drain
 * frees it, and the struct goes exactly then. */
START_TEST(deferred_free_keeps_memory_until_drained)
{
	struct pair t;
	struct heap_metrics mt;
	unsigned long objs;
	int h;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 64 << 10, MT_MASK(MT_SYSTEM));
	ck_assert_int_eq(mt_free(t.a, t.ia, h), 0);
	ck_assert_uint_eq(t.w.dev->nbuffers, 0);
	mt = mt_metrics(&t.w, "system");
	ck_assert_uint_eq(mt.live, 0);
	ck_assert_uint_eq(mt.deferred_buffers, 1);
	ck_assert_uint_eq(mt.deferred, 64 << 10);
	ck_assert_int_eq(told("buffer 1 destroyed, deferred"), 1);
	ck_assert_int_eq(told("buffer 1 freed by heap"), 0);
	objs = sim_kobj_live(t.w.m);
	ck_assert_uint_eq(heap_drain(kion_heap_by_name(t.w.dev, "system"), 0),
			  64 << 10);
	ck_assert_int_eq(told("buffer 1 freed by heap"), 1);
	ck_assert_uint_lt(sim_kobj_live(t.w.m), objs);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 ion.c ion_buffer_create: a full carveout whose memory waits
 * on the free list drains it and succeeds on the retry. */
START_TEST(deferred_backlog_never_fails_an_alloc)
{
	struct pair t;
	int h;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 16 * MT_M, MT_MASK(MT_CARVEOUT));
	ck_assert_int_eq(mt_free(t.a, t.ia, h), 0);
	ck_assert_uint_eq(mt_metrics(&t.w, "carveout").deferred_buffers, 1);
	h = mt_alloc_ok(t.a, t.ia, 16 * MT_M, MT_MASK(MT_CARVEOUT));
	ck_assert_uint_eq(mt_metrics(&t.w, "carveout").deferred_buffers, 0);
	ck_assert_int_eq(told("buffer 1 freed by heap"), 1);
	mt_shutdown(&t.w);
}
END_TEST

/* ---- copy-back leaks --------------------------------------------------------- */

/* Linux 4.9 ion-ioctl.c: IMPORT's copy back faults: EFAULT, but the
 * handle stays (the kernel has no cleanup) until the client closes. */
START_TEST(import_copy_back_efault_leaks_handle_until_close)
{
	struct pair t;
	struct ion_fd_data d = { .handle = 0 };
	struct kion_buffer *b;
	void *ro;
	int h, fd;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	d.fd = sim_fd_send(t.a, fd, t.b);
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(ro, MAP_FAILED);
	memcpy(ro, &d, sizeof(d));
	ck_assert_int_eq(mprotect(ro, 4096, PROT_READ), 0);
	ck_assert_int_eq(mt_ioctl(t.b, t.ib, ION_IOC_IMPORT, ro), -EFAULT);
	b = mt_fd_buffer(t.a, fd);
	ck_assert_uint_eq(mt_client(t.b, t.ib)->nhandles, 1);
	ck_assert_uint_eq(mt_handle(t.b, t.ib, 1)->user_ref_count, 1);
	ck_assert_int_eq(b->handle_count, 2);
	ck_assert_int_eq(sim_fd_close(t.b, t.ib), 0);
	ck_assert_int_eq(b->handle_count, 1);
	mt_shutdown(&t.w);
	munmap(ro, 4096);
}
END_TEST

/* ---- bytes really shared ------------------------------------------------------ */

/* Two processes map the same buffer through their own dma-buf fds and
 * see each other's writes, on a contiguous and a scattered heap. */
static void bytes_shared_on(const char *heap, unsigned int id, uint64_t len)
{
	struct pair t;
	struct sim_vma *va, *vb;
	int h, fd, fdb, hb = 0, fdb2;
	char *pa, *pb;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, len, MT_MASK(id));
	ck_assert_str_eq(heap_name(mt_handle(t.a, t.ia, h)->buffer->heap),
			 heap);
	fd = mt_share_ok(t.a, t.ia, h);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	fdb2 = mt_share_ok(t.b, t.ib, hb);	/* B's own dma-buf */
	va = mt_mmap(t.a, fd, len, SIM_PROT_READ | SIM_PROT_WRITE);
	vb = mt_mmap(t.b, fdb2, len, SIM_PROT_READ | SIM_PROT_WRITE);
	pa = va->host;
	pb = vb->host;
	ck_assert_int_eq(pb[0], 0);	/* fresh memory is zero */
	memcpy(pa, "hello", 6);
	memcpy(pa + len - 6, "world", 6);
	ck_assert_str_eq(pb, "hello");
	ck_assert_str_eq(pb + len - 6, "world");
	pb[len / 2] = 'x';
	ck_assert_int_eq(pa[len / 2], 'x');
	mt_shutdown(&t.w);
}

START_TEST(bytes_shared_contiguous_carveout)
{
	bytes_shared_on("carveout", MT_CARVEOUT, 3 * 4096);
}
END_TEST

START_TEST(bytes_shared_scattered_system)
{
	/* 1 MiB + 64 KiB + 4 KiB: three runs of orders 8, 4 and 0. */
	bytes_shared_on("system", MT_SYSTEM, (1 << 20) + (64 << 10) + 4096);
}
END_TEST

/* ---- clients ------------------------------------------------------------------- */

/* Linux 4.9 ion.c ion_get_client_serial: max live serial + 1 per name. */
START_TEST(client_display_serials)
{
	struct mt_world w;
	struct sim_proc *p;
	char want[32];
	int a, b, c;

	mt_boot(&w);
	p = mt_spawn(&w, "app");
	a = mt_open(&w, p);
	b = mt_open(&w, p);
	snprintf(want, sizeof(want), "%d-1", sim_proc_pid(p));
	ck_assert_str_eq(mt_client(p, b)->display_name, want);
	ck_assert_int_eq(sim_fd_close(p, a), 0);
	c = mt_open(&w, p);
	snprintf(want, sizeof(want), "%d-2", sim_proc_pid(p));
	ck_assert_str_eq(mt_client(p, c)->display_name, want);
	ck_assert_int_eq(sim_fd_close(p, b), 0);
	ck_assert_int_eq(sim_fd_close(p, c), 0);
	a = mt_open(&w, p);
	snprintf(want, sizeof(want), "%d-0", sim_proc_pid(p));
	ck_assert_str_eq(mt_client(p, a)->display_name, want);
	ck_assert_str_eq(mt_client(p, a)->comm, "app");
	mt_shutdown(&w);
}
END_TEST

/* open(/dev/ion) fails cleanly: no fd left (EMFILE), a dead process
 * (ESRCH), an injected allocation failure (ENOMEM). */
START_TEST(open_failures_leave_nothing)
{
	struct mt_world w;
	struct sim_proc *p;

	mt_boot_full(&w, NULL, NULL, 4);
	p = mt_spawn(&w, "app");
	mt_open(&w, p);
	ck_assert_int_eq(kion_ion_open(w.dev, p, SIM_O_RDWR), -EMFILE);
	ck_assert_uint_eq(w.dev->nclients, 1);
	ck_assert_int_eq(sim_fd_close(p, 3), 0);
	ck_assert_int_eq(sim_fault_arm(w.m, SIM_FAULT_KOBJ, 1), 0);
	ck_assert_int_eq(kion_ion_open(w.dev, p, SIM_O_RDWR), -ENOMEM);
	ck_assert_int_eq(sim_fault_arm(w.m, SIM_FAULT_KOBJ, 2), 0);
	ck_assert_int_eq(kion_ion_open(w.dev, p, SIM_O_RDWR), -ENOMEM);
	ck_assert_uint_eq(w.dev->nclients, 0);
	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_int_eq(kion_ion_open(w.dev, p, SIM_O_RDWR), -ESRCH);
	mt_shutdown(&w);
}
END_TEST

/* ---- races, forced through the scheduling hook ------------------------------ */

/*
 * The explorer preempts at lock points; a test can do the same by hand:
 * at the nth acquire or release of a lock class, the hook runs another
 * thread's whole ioctl right there.  Only points where the preempted
 * thread holds no lock are used, so the nested ioctl can take them all.
 */
struct preempt {
	const char *lock;		/* lock class, e.g. "client->lock" */
	enum sim_sched_point at;
	int nth;			/* which occurrence, from 1 */
	int seen;
	bool busy;			/* the nested run is under way */
	void (*run)(struct preempt *pr);
	struct pair *t;
	int id, fd;			/* what the nested run works on */
	long ret[2];			/* the nested ioctls' results */
};

static void preempt_hook(void *ctx, enum sim_sched_point what,
			 struct sim_mutex *lock)
{
	struct preempt *pr = ctx;

	if (pr->busy || what != pr->at || strcmp(lock->name, pr->lock) != 0)
		return;
	if (++pr->seen != pr->nth)
		return;
	pr->busy = true;
	pr->run(pr);
	pr->busy = false;
}

static void arm(struct preempt *pr, struct pair *t, const char *lock,
		enum sim_sched_point at, int nth,
		void (*run)(struct preempt *pr))
{
	memset(pr, 0, sizeof(*pr));
	pr->lock = lock;
	pr->at = at;
	pr->nth = nth;
	pr->run = run;
	pr->t = t;
	sim_set_sched_hook(t->w.m, preempt_hook, pr);
}

static void disarm(struct preempt *pr)
{
	sim_set_sched_hook(pr->t->w.m, NULL, NULL);
}

static void boot_pair_with(struct pair *t, unsigned int bugs)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_337,
				   .bugs = KION_BUGS_EXACT | bugs };

	mt_boot_full(&t->w, &cfg, NULL, 0);
	t->a = mt_spawn(&t->w, "app");
	t->ia = mt_open(&t->w, t->a);
}

/* A second thread of the same process frees the same id. */
static void nested_free(struct preempt *pr)
{
	pr->ret[0] = mt_free(pr->t->a, pr->t->ia, pr->id);
}

/* Two more threads free the same id (the CTS PoC's two FREEs). */
static void nested_two_frees(struct preempt *pr)
{
	pr->ret[0] = mt_free(pr->t->a, pr->t->ia, pr->id);
	pr->ret[1] = mt_free(pr->t->a, pr->t->ia, pr->id);
}

/* ION-SPEC 7.1 (CVE-2016-9120, Linux 4.4 ion.c): two FREEs of a handle
 * with one user reference.  Split into three locked steps, the second
 * FREE slips between the first's lookup and put: both succeed and the
 * first's last put lands on the destroyed handle.  4.6+ serialises them:
 * the second FREE is EINVAL. */
static long free_race(unsigned int bugs, long *nested, unsigned long *uaf)
{
	struct preempt pr;
	struct pair t;
	long ret;
	int h;

	boot_pair_with(&t, bugs);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	arm(&pr, &t, "client->lock", SIM_SCHED_UNLOCK, 1, nested_free);
	pr.id = h;
	ret = mt_free(t.a, t.ia, h);
	disarm(&pr);
	*nested = pr.ret[0];
	*uaf = t.w.dev->uaf;
	ck_assert_ptr_null(mt_handle(t.a, t.ia, pr.id));
	mt_shutdown(&t.w);
	return ret;
}

START_TEST(race_double_free_4_4_is_use_after_free)
{
	long nested;
	unsigned long uaf;

	ck_assert_int_eq(free_race(KION_BUG_FREE_RACE | KION_BUG_NO_USER_REFS,
				   &nested, &uaf), 0);
	ck_assert_int_eq(nested, 0);
	ck_assert_uint_eq(uaf, 1);
	ck_assert_int_eq(free_race(0, &nested, &uaf), 0);
	ck_assert_int_eq(nested, -EINVAL);
	ck_assert_uint_eq(uaf, 0);
}
END_TEST

/* ION-SPEC 7.2 (CVE-2017-0564, Linux 4.9.45 ion-ioctl.c): SHARE drops
 * client->lock after its lookup; two FREEs there destroy the handle and
 * the buffer, and SHARE's validate and put touch the dead handle. 4.9.337
 * keeps the lock: SHARE succeeds, the first FREE wins, the second is
 * EINVAL. */
START_TEST(race_share_vs_two_frees)
{
	unsigned int bugs[] = { KION_BUG_SHARE_UNLOCKED | KION_BUG_NO_USER_REFS,
				0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct preempt pr;
		struct pair t;
		int fd = 0;
		long ret;

		boot_pair_with(&t, bugs[i]);
		ck_assert_int_eq(mt_alloc_ok(t.a, t.ia, 4096,
					     MT_MASK(MT_CONTIG)), 1);
		arm(&pr, &t, "client->lock", SIM_SCHED_UNLOCK, 1,
		    nested_two_frees);
		pr.id = 1;
		ret = mt_share(t.a, t.ia, 1, &fd);
		disarm(&pr);
		if (i == 0) {
			ck_assert_int_eq(ret, -EINVAL);
			ck_assert_int_eq(fd, -EINVAL);
			ck_assert_int_eq(pr.ret[0], 0);
			ck_assert_int_eq(pr.ret[1], 0);
			ck_assert_uint_eq(t.w.dev->uaf, 2);
			ck_assert_uint_eq(t.w.dev->nbuffers, 0);
		} else {
			ck_assert_int_eq(ret, 0);
			ck_assert_int_eq(pr.ret[0], 0);
			ck_assert_int_eq(pr.ret[1], -EINVAL);
			ck_assert_uint_eq(t.w.dev->uaf, 0);
			ck_assert_uint_eq(t.w.dev->nbuffers, 1);	/* via fd */
		}
		mt_shutdown(&t.w);
	}
}
END_TEST

/* ION-SPEC 7.3 (Linux 4.9.45 ion.c ion_alloc): the handle is published
 * and unlocked before ALLOC reads its id; a FREE of the predictable id
 * there destroys it.  4.9.337 grabbed a kref first, and the FREE finds
 * no user reference yet: a WARN and nothing else, the fixed code
 * defending itself, which the audit does not count against it. */
START_TEST(race_alloc_vs_free_of_predicted_id)
{
	unsigned int bugs[] = { KION_BUG_ALLOC_UAF | KION_BUG_NO_USER_REFS, 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct preempt pr;
		struct pair t;
		int h = 0;

		boot_pair_with(&t, bugs[i]);
		arm(&pr, &t, "client->lock", SIM_SCHED_UNLOCK, 1, nested_free);
		pr.id = 1;
		ck_assert_int_eq(mt_alloc(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM), 0,
					  &h), 0);
		disarm(&pr);
		ck_assert_int_eq(h, 1);
		ck_assert_int_eq(pr.ret[0], 0);
		if (i == 0) {
			ck_assert_uint_eq(t.w.dev->uaf, 1);
			ck_assert_ptr_null(mt_handle(t.a, t.ia, 1));
		} else {
			ck_assert_uint_eq(t.w.dev->uaf, 0);
			ck_assert_uint_eq(t.w.dev->warnings, 1);
			ck_assert_uint_eq(t.w.dev->warnings_defended, 1);
			ck_assert_uint_eq(mt_handle(t.a, t.ia, 1)->user_ref_count, 1);
			ck_assert_int_eq(kion_audit(t.w.dev, NULL), 0);
			ck_assert_int_eq(kion_audit_quick(t.w.dev), 0);
		}
		mt_shutdown(&t.w);
	}
}
END_TEST

/* ION-SPEC 7.4 (Linux 4.9.y before "Do not 'put' ION handle until after
 * its final use"): IMPORT hands its kref to userspace and then reads the
 * id; a FREE in between destroys the handle first. */
START_TEST(race_import_pass_to_user_vs_free)
{
	unsigned int bugs[] = { KION_BUG_PASS_TO_USER, 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct preempt pr;
		struct pair t;
		int h, fd, got = 0;

		boot_pair_with(&t, bugs[i]);
		h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
		fd = mt_share_ok(t.a, t.ia, h);
		ck_assert_int_eq(mt_free(t.a, t.ia, h), 0);
		/* IMPORT: unlock 1 ends the lookup/create, unlock 2 ends
		 * pass_to_user. */
		arm(&pr, &t, "client->lock", SIM_SCHED_UNLOCK, 2, nested_free);
		pr.id = 1;
		ck_assert_int_eq(mt_import(t.a, t.ia, fd, &got), 0);
		disarm(&pr);
		ck_assert_int_eq(got, 1);
		ck_assert_int_eq(pr.ret[0], 0);
		ck_assert_uint_eq(t.w.dev->uaf, i == 0 ? 1 : 0);
		mt_shutdown(&t.w);
	}
}
END_TEST

/* An IMPORT of the buffer, run where a FREE of its handle is between
 * its unlocked final decrement and the destroy. */
static void nested_import(struct preempt *pr)
{
	int got = 0;

	pr->ret[0] = mt_import(pr->t->a, pr->t->ia, pr->fd, &got);
	pr->ret[1] = got;
}

/* ION-SPEC 7.7 (2012, "Fix race between ion_import and ion_free"): the
 * final put decremented outside client->lock; an IMPORT that runs before
 * the destroy takes the lock finds the handle at kref 0, revives it and
 * returns its id, which the destroy then removes. */
START_TEST(race_import_resurrects_a_dying_handle)
{
	struct preempt pr;
	struct pair t;
	int h, fd;

	boot_pair_with(&t, KION_BUG_FREE_RACE | KION_BUG_NO_USER_REFS |
		       KION_BUG_IMPORT_RESURRECT);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	/* FREE: lookup (lock 1), validate (lock 2), the final put's
	 * destroy (lock 3), taken after the unlocked decrement to 0. */
	arm(&pr, &t, "client->lock", SIM_SCHED_LOCK, 3, nested_import);
	pr.fd = fd;
	ck_assert_int_eq(mt_free(t.a, t.ia, h), 0);
	disarm(&pr);
	ck_assert_int_eq(pr.ret[0], 0);
	ck_assert_int_eq(pr.ret[1], h);	/* the dying handle's id */
	ck_assert_ptr_null(mt_handle(t.a, t.ia, h));
	ck_assert_uint_ge(t.w.dev->warnings, 1);	/* kref_get from 0 */
	ck_assert_int_eq(mt_free(t.a, t.ia, h), -EINVAL);
	mt_shutdown(&t.w);
}
END_TEST

/* What one replayed sequence gave, for comparing defect switches. */
struct replay {
	int again;			/* IMPORT's id: ALLOC's */
	long frees[3], share_after;	/* two FREEs fine, then EINVAL */
	int kmap_started, kmap_ended;	/* kmap_cnt after SYNC START, END */
	uint64_t carveout_used;		/* after a carveout FREE */
	unsigned long system_deferred;	/* after the last system holder */
	unsigned long nbuffers, uaf, warnings;
};

/* ALLOC, SHARE, IMPORT, SYNC, three FREEs and a SHARE on the system
 * heap, then a carveout buffer freed, under defect set @bugs exactly. */
static void replay_sequence(unsigned int bugs, struct replay *r)
{
	struct pair t;
	struct kion_buffer *b;
	int h, fd, i;

	memset(r, 0, sizeof(*r));
	boot_pair_with(&t, bugs);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	ck_assert_int_eq(mt_import(t.a, t.ia, fd, &r->again), 0);
	b = mt_fd_buffer(t.a, fd);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW), 0);
	r->kmap_started = b->hb.kmap_cnt;
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW |
				     DMA_BUF_SYNC_END), 0);
	r->kmap_ended = b->hb.kmap_cnt;
	for (i = 0; i < 3; i++)
		r->frees[i] = mt_free(t.a, t.ia, h);
	r->share_after = mt_share(t.a, t.ia, h, NULL);
	r->nbuffers = t.w.dev->nbuffers;
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	r->system_deferred = mt_metrics(&t.w, "system").deferred_buffers;
	h = mt_alloc_ok(t.a, t.ia, MT_M, MT_MASK(MT_CARVEOUT));
	ck_assert_int_eq(mt_free(t.a, t.ia, h), 0);
	r->carveout_used = mt_metrics(&t.w, "carveout").used;
	r->uaf = t.w.dev->uaf;
	r->warnings = t.w.dev->warnings;
	mt_shutdown(&t.w);
}

/* Field by field: struct copies need not copy padding. */
static bool replay_equal(const struct replay *a, const struct replay *b)
{
	return a->again == b->again && a->frees[0] == b->frees[0] &&
	       a->frees[1] == b->frees[1] && a->frees[2] == b->frees[2] &&
	       a->share_after == b->share_after &&
	       a->kmap_started == b->kmap_started &&
	       a->kmap_ended == b->kmap_ended &&
	       a->carveout_used == b->carveout_used &&
	       a->system_deferred == b->system_deferred &&
	       a->nbuffers == b->nbuffers && a->uaf == b->uaf &&
	       a->warnings == b->warnings;
}

/* In replay nothing preempts: every race switch gives the fixed code's
 * results for the same sequence and touches nothing dead.  Two switches
 * change what a single thread sees, and only that: SYNC's kmap counting
 * (CVE-2021-0929) and deferred carveout frees (the system heap defers
 * either way).  The overflow switches need 2^31 or 2^32 steps. */
START_TEST(defects_agree_with_fixed_code_in_replay)
{
	struct replay fixed, r;
	unsigned int bit;

	replay_sequence(0, &fixed);
	ck_assert_int_eq(fixed.again, 1);
	ck_assert_int_eq(fixed.frees[0], 0);
	ck_assert_int_eq(fixed.frees[1], 0);
	ck_assert_int_eq(fixed.frees[2], -EINVAL);
	ck_assert_int_eq(fixed.share_after, -EINVAL);
	ck_assert_uint_eq(fixed.nbuffers, 1);
	ck_assert_int_eq(fixed.kmap_started, 0);
	ck_assert_uint_eq(fixed.carveout_used, 0);
	ck_assert_uint_eq(fixed.system_deferred, 1);
	ck_assert_uint_eq(fixed.uaf + fixed.warnings, 0);
	for (bit = 1; bit <= KION_BUGS_ALL; bit <<= 1) {
		struct replay want = fixed;

		replay_sequence(bit, &r);
		if (bit == KION_BUG_KMAP_SYNC)
			want.kmap_started = 1;
		if (bit == KION_BUG_DEFER_CARVEOUT)
			want.carveout_used = MT_M;
		ck_assert_msg(replay_equal(&r, &want),
			      "bug 0x%x: kmap %d/%d, carveout %llu, frees "
			      "%ld %ld %ld, uaf %lu, warnings %lu", bit,
			      r.kmap_started, r.kmap_ended,
			      (unsigned long long)r.carveout_used, r.frees[0],
			      r.frees[1], r.frees[2], r.uaf, r.warnings);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/lifetime");
	TCase *tc = tcase_create("sharing");

	tcase_add_test(tc, share_pass_import_in_another_process);
	tcase_add_test(tc, import_twice_needs_two_frees);
	tcase_add_test(tc, free_leaves_shared_buffer_orphaned);
	tcase_add_test(tc, close_ion_destroys_handles_leaving_orphans);
	tcase_add_test(tc, dup_shares_the_file);
	tcase_add_test(tc, passed_ion_fd_is_the_same_client);
	tcase_add_test(tc, fork_inherits_the_client);
	tcase_add_test(tc, import_copy_back_efault_leaks_handle_until_close);
	suite_add_tcase(s, tc);

	tc = tcase_create("exit");
	tcase_add_test(tc, exit_importer_first);
	tcase_add_test(tc, exit_exporter_first);
	tcase_add_test(tc, exit_with_fd_in_flight);
	suite_add_tcase(s, tc);

	tc = tcase_create("mappings");
	tcase_add_test(tc, mmap_keeps_buffer_until_munmap);
	tcase_add_test(tc, mmap_past_the_end_is_einval);
	tcase_add_test(tc, lseek_reports_size_only);
	tcase_add_test(tc, cpu_sync_counts_kmaps_and_underflows);
	tcase_add_test(tc, cpu_sync_flag_validation);
	tcase_add_test(tc, cpu_sync_at_int_max);
	tcase_add_test(tc, bytes_shared_contiguous_carveout);
	tcase_add_test(tc, bytes_shared_scattered_system);
	suite_add_tcase(s, tc);

	tc = tcase_create("heaps_and_clients");
	tcase_add_test(tc, deferred_free_keeps_memory_until_drained);
	tcase_add_test(tc, deferred_backlog_never_fails_an_alloc);
	tcase_add_test(tc, client_display_serials);
	tcase_add_test(tc, open_failures_leave_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("races");
	tcase_add_test(tc, race_double_free_4_4_is_use_after_free);
	tcase_add_test(tc, race_share_vs_two_frees);
	tcase_add_test(tc, race_alloc_vs_free_of_predicted_id);
	tcase_add_test(tc, race_import_pass_to_user_vs_free);
	tcase_add_test(tc, race_import_resurrects_a_dying_handle);
	tcase_add_test(tc, defects_agree_with_fixed_code_in_replay);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
