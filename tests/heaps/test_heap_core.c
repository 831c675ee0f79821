/*
 * tests/heaps/test_heap_core.c - what every heap shares (heaps/heap.c):
 * the deferred-free list (LIFO, drain by bytes, drain-and-retry-once on a
 * failed allocation), the shrinker's count and scan order, kernel mapping
 * counts, user mappings through a file, zeroing of dirty buffers only,
 * fault injection leaving nothing behind, the failure counters, the
 * access list, and the structure check finding what is wrong.
 * Kernel reference: Linux 4.9 ion.c (ion_buffer_create, ion_buffer_destroy,
 * ion_buffer_kmap_get/put) and ion_heap.c (freelist, shrinker).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heaps/heap_internal.h"
#include "testlib.h"

#define PAGE SIM_PAGE_SIZE
#define K4 (4ULL << 10)
#define K64 (64ULL << 10)
#define M1 (1ULL << 20)

/* A machine with 64 MiB of RAM and a 1 MiB CMA area called "cma". */
static struct sim_machine *boot_with_cma(void)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	cfg.ram_size = 64 * M1;
	ck_assert_int_ge(sim_config_add_region(&cfg, "cma", SIM_REGION_CMA,
					       false, 0, M1), 0);
	return test_boot(&cfg);
}

static struct heap *make(struct sim_machine *m, enum heap_type type,
			 const char *name, bool defer)
{
	struct heap_config cfg;
	int err = 1;
	struct heap *h;

	heap_config_defaults(&cfg, type);
	strcpy(cfg.name, name);
	cfg.kernel = type == HEAP_TYPE_DMA ? HEAP_KERNEL_4_19 : HEAP_KERNEL_4_9;
	cfg.defer_free = defer;
	h = heap_create(m, &cfg, &err);
	ck_assert_msg(h != NULL, "heap_create: %d", err);
	return h;
}

/* The order in which the heap released buffers, by a one-letter tag. */
static char released[16];
static int nreleased;

struct tagged {
	struct heap_buffer hb;
	char tag;
};

static void note_release(struct heap_buffer *hb)
{
	struct tagged *t = (struct tagged *)hb;

	released[nreleased++] = t->tag;
	released[nreleased] = '\0';
}

static int alloc_tagged(struct heap *h, struct tagged *t, char tag,
			uint64_t len)
{
	memset(t, 0, sizeof(*t));
	t->tag = tag;
	t->hb.release = note_release;
	return heap_buffer_alloc(h, &t->hb, len, len, 0, 0);
}

static int alloc(struct heap *h, struct heap_buffer *b, uint64_t len)
{
	memset(b, 0, sizeof(*b));
	return heap_buffer_alloc(h, b, len, len, 0, 0);
}

static unsigned long page_calls(struct sim_machine *m)
{
	struct sim_fault_stats st;

	sim_fault_stats(m, &st);
	return st.calls[SIM_FAULT_PAGES];
}

static void assert_buddy_is(struct sim_machine *m,
			    const unsigned long want[SIM_MAX_ORDER])
{
	unsigned long now[SIM_MAX_ORDER];
	int k;

	sim_buddy_counts(m, now);
	for (k = 0; k < SIM_MAX_ORDER; k++)
		ck_assert_msg(now[k] == want[k], "order %d: %lu free blocks, "
			      "want %lu", k, now[k], want[k]);
}

static void reset_released(void)
{
	nreleased = 0;
	released[0] = '\0';
}

/* --- deferred free -------------------------------------------------------- */

START_TEST(deferred_free_is_lifo_and_still_counts_as_used)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", true);
	struct tagged a, b, c;
	struct heap_metrics mt;

	reset_released();
	ck_assert_int_eq(alloc_tagged(h, &a, 'a', K4), 0);
	ck_assert_int_eq(alloc_tagged(h, &b, 'b', 2 * K4), 0);
	ck_assert_int_eq(alloc_tagged(h, &c, 'c', 3 * K4), 0);
	heap_buffer_free(&a.hb);
	heap_buffer_free(&b.hb);
	heap_buffer_free(&c.hb);
	ck_assert_int_eq(nreleased, 0);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.live, 0);
	ck_assert_uint_eq(mt.used, 6 * K4);
	ck_assert_uint_eq(mt.deferred, 6 * K4);
	ck_assert_uint_eq(mt.deferred_buffers, 3);
	ck_assert_uint_eq(mt.waste, 0);
	ck_assert_int_eq(heap_validate(h, stderr), 0);
	/* The head is the last freed; one byte asked, one buffer drained. */
	ck_assert_uint_eq(heap_drain(h, 1), 3 * K4);
	ck_assert_str_eq(released, "c");
	ck_assert_uint_eq(heap_drain(h, 2 * K4), 2 * K4);
	ck_assert_str_eq(released, "cb");
	ck_assert_uint_eq(heap_drain(h, 0), K4);
	ck_assert_str_eq(released, "cba");
	ck_assert_uint_eq(heap_drain(h, 0), 0);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.used, 0);
	ck_assert_uint_eq(mt.deferred_buffers, 0);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(drain_takes_whole_buffers_until_enough)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", true);
	struct tagged a, b, c;

	reset_released();
	ck_assert_int_eq(alloc_tagged(h, &a, 'a', K4), 0);
	ck_assert_int_eq(alloc_tagged(h, &b, 'b', K4), 0);
	ck_assert_int_eq(alloc_tagged(h, &c, 'c', K4), 0);
	heap_buffer_free(&a.hb);
	heap_buffer_free(&b.hb);
	heap_buffer_free(&c.hb);
	ck_assert_uint_eq(heap_drain(h, K4 + 1), 2 * K4);
	ck_assert_str_eq(released, "cb");
	ck_assert_int_eq(heap_destroy(h), 0);	/* drains the rest */
	ck_assert_str_eq(released, "cba");
	test_shutdown(m);
}
END_TEST

START_TEST(failed_alloc_drains_everything_and_retries_once)
{
	struct sim_machine *m = boot_with_cma();
	struct heap *h = make(m, HEAP_TYPE_DMA, "cma", true);
	struct tagged x, y;
	struct heap_metrics mt;

	reset_released();
	ck_assert_int_eq(alloc_tagged(h, &x, 'x', M1), 0);
	heap_buffer_free(&x.hb);
	/* The area is full of a deferred buffer: the first try fails, the
	 * drain frees it, the retry succeeds. */
	ck_assert_int_eq(alloc_tagged(h, &y, 'y', M1 / 2), 0);
	ck_assert_str_eq(released, "x");
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	ck_assert_uint_eq(mt.deferred, 0);
	heap_buffer_free(&y.hb);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(retry_happens_once_and_only_on_deferred_heaps)
{
	struct sim_machine *m = boot_with_cma();
	struct heap *deferred = make(m, HEAP_TYPE_DMA, "cma", true);
	struct heap_buffer b;
	struct heap_metrics mt;
	unsigned long calls;

	sim_fault_arm(m, SIM_FAULT_PAGES, 1);
	sim_fault_arm(m, SIM_FAULT_PAGES, 2);
	calls = page_calls(m);
	ck_assert_int_eq(alloc(deferred, &b, K64), -ENOMEM);
	ck_assert_uint_eq(page_calls(m) - calls, 2);
	heap_metrics(deferred, &mt);
	ck_assert_uint_eq(mt.failures, 1);	/* one request, two tries */
	ck_assert_uint_eq(mt.frag_failures, 0);	/* injected */
	ck_assert_int_eq(heap_destroy(deferred), 0);

	deferred = make(m, HEAP_TYPE_DMA, "cma", false);
	sim_fault_arm(m, SIM_FAULT_PAGES, 1);
	calls = page_calls(m);
	ck_assert_int_eq(alloc(deferred, &b, K64), -ENOMEM);
	ck_assert_uint_eq(page_calls(m) - calls, 1);
	ck_assert_int_eq(heap_destroy(deferred), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(injected_first_try_succeeds_on_retry_without_a_failure)
{
	struct sim_machine *m = boot_with_cma();
	struct heap *h = make(m, HEAP_TYPE_DMA, "cma", true);
	struct heap_buffer b;
	struct heap_metrics mt;

	sim_fault_arm(m, SIM_FAULT_PAGES, 1);
	ck_assert_int_eq(alloc(h, &b, K64), 0);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- the shrinker --------------------------------------------------------- */

START_TEST(shrinker_takes_deferred_buffers_first_then_pools)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long boot[SIM_MAX_ORDER];
	struct heap *h;
	struct heap_buffer x, y;
	struct heap_metrics mt;

	sim_buddy_counts(m, boot);
	h = make(m, HEAP_TYPE_SYSTEM, "system", true);
	ck_assert_int_eq(alloc(h, &x, K64), 0);
	ck_assert_int_eq(alloc(h, &y, 2 * K4), 0);
	heap_buffer_free(&x);
	heap_drain(h, 0);			/* x's block into its pool */
	heap_buffer_free(&y);			/* y waits on the list */
	ck_assert_uint_eq(heap_shrink_count(h), 2 + 16);
	ck_assert_uint_eq(heap_shrink_scan(h, 0), 0);
	ck_assert_uint_eq(heap_shrink_count(h), 18);
	/* One page asked: y goes, straight to the buddy, pools untouched. */
	ck_assert_uint_eq(heap_shrink_scan(h, 1), 2);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.deferred, 0);
	ck_assert_uint_eq(mt.pool_pages[1], 16);
	ck_assert_uint_eq(mt.pool_pages[2], 0);
	ck_assert_uint_eq(heap_shrink_count(h), 16);
	ck_assert_uint_eq(heap_shrink_scan(h, 1), 16);
	ck_assert_uint_eq(heap_shrink_count(h), 0);
	assert_buddy_is(m, boot);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(shrinker_goes_on_to_the_pools_for_the_rest)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", true);
	struct heap_buffer x, y;

	ck_assert_int_eq(alloc(h, &x, M1), 0);
	ck_assert_int_eq(alloc(h, &y, K4), 0);
	heap_buffer_free(&x);
	heap_drain(h, 0);
	heap_buffer_free(&y);
	/* 1 deferred page is not enough for 2: the order-8 block follows. */
	ck_assert_uint_eq(heap_shrink_scan(h, 2), 1 + 256);
	ck_assert_uint_eq(heap_shrink_count(h), 0);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(heaps_without_pools_or_defer_have_nothing_to_shrink)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM_CONTIG, "contig", false);
	struct heap_buffer b;

	ck_assert_int_eq(alloc(h, &b, K64), 0);
	heap_buffer_free(&b);
	ck_assert_uint_eq(heap_shrink_count(h), 0);
	ck_assert_uint_eq(heap_shrink_scan(h, 100), 0);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- kernel mappings ------------------------------------------------------ */

START_TEST(kmap_is_counted_and_two_kmaps_share_bytes)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", false);
	struct heap_buffer b;
	char *p1, *p2, *p3, got[8] = "";
	int err = 1;

	ck_assert_int_eq(alloc(h, &b, 2 * K4), 0);
	ck_assert(!b.dirty);
	p1 = heap_kmap_get(&b, &err);
	ck_assert_ptr_nonnull(p1);
	ck_assert_int_eq(err, 0);
	ck_assert(b.dirty);
	memcpy(p1 + K4 - 3, "across", 7);	/* straddles the two runs */
	p2 = heap_kmap_get(&b, &err);
	ck_assert_ptr_eq(p2, p1);
	ck_assert_int_eq(b.kmap_cnt, 2);
	heap_kmap_put(&b);
	ck_assert_int_eq(b.kmap_cnt, 1);
	ck_assert_str_eq(p1 + K4 - 3, "across");
	heap_kmap_put(&b);
	ck_assert_int_eq(b.kmap_cnt, 0);
	ck_assert_ptr_null(b.vaddr);
	/* A new mapping sees the same physical bytes. */
	p3 = heap_kmap_get(&b, NULL);
	ck_assert_ptr_nonnull(p3);
	ck_assert_str_eq(p3 + K4 - 3, "across");
	ck_assert_int_eq(sim_phys_read(m, b.runs[1].phys, got, 4), 0);
	ck_assert_str_eq(got, "oss");
	heap_kmap_put(&b);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(kmap_underflow_behaves_as_4_9)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", false);
	struct heap_buffer b;
	int err = 1;

	ck_assert_int_eq(alloc(h, &b, K4), 0);
	heap_kmap_put(&b);		/* end_cpu_access with no begin */
	ck_assert_int_eq(b.kmap_cnt, -1);
	/* The count is non-zero: the stale NULL vaddr comes back, no map. */
	ck_assert_ptr_null(heap_kmap_get(&b, &err));
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(b.kmap_cnt, 0);
	ck_assert_ptr_nonnull(heap_kmap_get(&b, &err));
	ck_assert_int_eq(b.kmap_cnt, 1);
	heap_kmap_put(&b);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(free_drops_a_kernel_mapping_still_held)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", true);
	struct heap_buffer b;

	ck_assert_int_eq(alloc(h, &b, K64), 0);
	ck_assert_ptr_nonnull(heap_kmap_get(&b, NULL));
	ck_assert_ptr_nonnull(heap_kmap_get(&b, NULL));
	heap_buffer_free(&b);
	ck_assert_int_eq(b.kmap_cnt, 2);	/* deferred: still mapped */
	heap_drain(h, 0);
	ck_assert_int_eq(b.kmap_cnt, 0);
	ck_assert_ptr_null(b.vaddr);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- zeroing -------------------------------------------------------------- */

static bool phys_is_zero(struct sim_machine *m, uint64_t phys, uint64_t len)
{
	static unsigned char page[SIM_PAGE_SIZE];
	uint64_t off;
	size_t i;

	for (off = 0; off < len; off += SIM_PAGE_SIZE) {
		ck_assert_int_eq(sim_phys_read(m, phys + off, page, PAGE), 0);
		for (i = 0; i < sizeof(page); i++)
			if (page[i])
				return false;
	}
	return true;
}

START_TEST(free_memory_is_always_zero)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", false);
	struct heap *c = make(m, HEAP_TYPE_SYSTEM_CONTIG, "contig", false);
	struct heap_buffer b, d;
	struct sim_run run;
	char *p;

	ck_assert_int_eq(alloc(h, &b, K64), 0);
	run = b.runs[0];
	p = heap_kmap_get(&b, NULL);
	memset(p, 0xab, K64);
	heap_kmap_put(&b);
	ck_assert(!phys_is_zero(m, run.phys, run.len));
	heap_buffer_free(&b);
	/* In the pool, zero. */
	ck_assert(phys_is_zero(m, run.phys, run.len));
	heap_shrink_scan(h, heap_shrink_count(h));
	/* Back in the buddy, and handed out again: zero. */
	ck_assert_int_eq(alloc(c, &d, K64), 0);
	ck_assert(phys_is_zero(m, d.runs[0].phys, d.runs[0].len));
	heap_buffer_free(&d);
	ck_assert_int_eq(heap_destroy(h), 0);
	ck_assert_int_eq(heap_destroy(c), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(clean_buffers_are_not_zeroed_again)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", false);
	struct heap_buffer b;
	struct sim_run run;
	char got[4] = "";

	ck_assert_int_eq(alloc(h, &b, K4), 0);
	run = b.runs[0];
	/* Written behind the heap's back: the buffer is not dirty, so the
	 * warm path skips the zeroing, as designed. */
	ck_assert_int_eq(sim_phys_write(m, run.phys, "xyz", 4), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(sim_phys_read(m, run.phys, got, 4), 0);
	ck_assert_str_eq(got, "xyz");
	ck_assert_int_eq(sim_phys_zero(m, run.phys, run.len), 0);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- user mappings -------------------------------------------------------- */

static int buf_mmap(struct sim_file *f, struct sim_vma *vma)
{
	return heap_map_user(f->private_data, vma);
}

static void buf_release(struct sim_file *f)
{
	(void)f;
}

static const struct sim_file_ops buf_fops = {
	.kind = "test-buffer",
	.release = buf_release,
	.mmap = buf_mmap,
};

static int open_buffer(struct sim_proc *p, struct heap_buffer *b)
{
	int err = 0, fd;
	struct sim_file *f = sim_file_new(sim_proc_machine(p), &buf_fops, b,
					  SIM_O_RDWR, SIM_FMODE_READ |
					  SIM_FMODE_WRITE, &err);

	ck_assert_ptr_nonnull(f);
	fd = sim_fd_install(p, f, 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(map_user_maps_the_runs_and_marks_writers_dirty)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM, "system", false);
	struct sim_proc *p = sim_proc_spawn(m, "app", 0, NULL);
	struct heap_buffer b;
	struct sim_vma *ro, *rw, *tail;
	char got[8] = "";
	int fd;

	ck_assert_int_eq(alloc(h, &b, 3 * K4), 0);
	fd = open_buffer(p, &b);
	ck_assert_int_eq(sim_mmap(p, fd, 3 * K4, SIM_PROT_READ,
				  SIM_MAP_SHARED, 0, &ro), 0);
	ck_assert(!b.dirty);
	ck_assert_int_eq(sim_mmap(p, fd, 3 * K4, SIM_PROT_READ |
				  SIM_PROT_WRITE, SIM_MAP_SHARED, 0, &rw), 0);
	ck_assert(b.dirty);
	strcpy((char *)rw->host + 2 * K4, "third");
	ck_assert_str_eq((char *)ro->host + 2 * K4, "third");
	ck_assert_int_eq(sim_phys_read(m, b.runs[2].phys, got, 6), 0);
	ck_assert_str_eq(got, "third");
	/* An offset selects the buffer's later pages. */
	ck_assert_int_eq(sim_mmap(p, fd, K4, SIM_PROT_READ, SIM_MAP_SHARED,
				  2 * K4, &tail), 0);
	ck_assert_str_eq((char *)tail->host, "third");
	/* Past the end: EINVAL. */
	ck_assert_int_eq(sim_mmap(p, fd, 2 * K4, SIM_PROT_READ,
				  SIM_MAP_SHARED, 2 * K4, &tail), -EINVAL);
	ck_assert_int_eq(sim_mmap(p, fd, K4, SIM_PROT_READ, SIM_MAP_SHARED,
				  4 * K4, &tail), -EINVAL);
	ck_assert_int_eq(sim_proc_exit(p), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- faults --------------------------------------------------------------- */

/* Every fault point of one allocation, failed in turn: whatever fails
 * must leave the buddy, the pools and the kernel objects as they were. */
static void faults_leave_nothing(enum heap_type type, const char *name,
				 uint64_t len, enum sim_fault_kind kind)
{
	struct sim_machine *m = boot_with_cma();
	unsigned long boot[SIM_MAX_ORDER];
	struct heap *h = make(m, type, name, false);
	unsigned long kobjs = sim_kobj_live(m), nth;
	struct heap_metrics before, after;
	struct heap_buffer b;
	int ret;

	sim_buddy_counts(m, boot);
	heap_metrics(h, &before);
	for (nth = 1; nth <= 40; nth++) {
		sim_fault_disarm(m);
		sim_fault_arm(m, kind, nth);
		ret = alloc(h, &b, len);
		if (ret == 0)
			heap_buffer_free(&b);
		else
			ck_assert(ret == -ENOMEM);
		heap_shrink_scan(h, heap_shrink_count(h));
		heap_metrics(h, &after);
		ck_assert_uint_eq(after.free, before.free);
		ck_assert_uint_eq(after.used, 0);
		ck_assert_uint_eq(sim_kobj_live(m), kobjs);
		assert_buddy_is(m, boot);
		ck_assert_int_eq(heap_validate(h, stderr), 0);
	}
	sim_fault_disarm(m);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}

START_TEST(page_faults_leave_nothing_behind)
{
	faults_leave_nothing(HEAP_TYPE_SYSTEM, "system", 293 * PAGE,
			     SIM_FAULT_PAGES);
	faults_leave_nothing(HEAP_TYPE_SYSTEM_CONTIG, "contig", 5 * PAGE,
			     SIM_FAULT_PAGES);
	faults_leave_nothing(HEAP_TYPE_DMA, "cma", 5 * PAGE, SIM_FAULT_PAGES);
}
END_TEST

START_TEST(kobj_faults_leave_nothing_behind)
{
	faults_leave_nothing(HEAP_TYPE_SYSTEM, "system", 293 * PAGE,
			     SIM_FAULT_KOBJ);
	faults_leave_nothing(HEAP_TYPE_SYSTEM_CONTIG, "contig", 5 * PAGE,
			     SIM_FAULT_KOBJ);
	faults_leave_nothing(HEAP_TYPE_DMA, "cma", 5 * PAGE, SIM_FAULT_KOBJ);
}
END_TEST

/* --- counters and checks -------------------------------------------------- */

START_TEST(frag_failures_need_enough_free_memory_and_no_fault)
{
	struct sim_machine *m = boot_with_cma();
	struct heap *h = make(m, HEAP_TYPE_DMA, "cma", false);
	struct heap_buffer q[4], big;
	struct heap_metrics mt;
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(alloc(h, &q[i], M1 / 4), 0);
	heap_buffer_free(&q[0]);
	heap_buffer_free(&q[2]);
	/* 512 KiB free in two 256 KiB holes: a fragmentation failure. */
	ck_assert_int_eq(alloc(h, &big, M1 / 2), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 1);
	/* 768 KiB does not fit in 512 KiB free: a plain failure. */
	ck_assert_int_eq(alloc(h, &big, 3 * M1 / 4), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 2);
	ck_assert_uint_eq(mt.frag_failures, 1);
	/* Refused arguments are not failures at all. */
	ck_assert_int_eq(alloc(h, &big, 0), -EINVAL);
	ck_assert_int_eq(alloc(h, &big, 100), -EINVAL);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 2);
	heap_buffer_free(&q[1]);
	heap_buffer_free(&q[3]);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(peak_and_waste_follow_the_buffers)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM_CONTIG, "contig", false);
	struct heap_buffer a, b;
	struct heap_metrics mt;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(heap_buffer_alloc(h, &a, 2 * K4, 5000, 0, 0), 0);
	ck_assert_int_eq(heap_buffer_alloc(h, &b, K4, 0, 0, 0), 0);
	ck_assert_uint_eq(b.requested, K4);	/* unknown: no waste */
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.waste, 2 * K4 - 5000);
	ck_assert_uint_eq(mt.peak, 3 * K4);
	heap_buffer_free(&a);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.waste, 0);
	ck_assert_uint_eq(mt.used, K4);
	ck_assert_uint_eq(mt.peak, 3 * K4);
	ck_assert_uint_eq(mt.allocs, 2);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(access_list_and_accessors)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_config cfg;
	struct heap *h;

	heap_config_defaults(&cfg, HEAP_TYPE_SYSTEM_CONTIG);
	strcpy(cfg.name, "contig");
	cfg.id = 7;
	cfg.nallow = 2;
	strcpy(cfg.allow[0], "camera");
	strcpy(cfg.allow[1], "surfaceflinger");
	h = heap_create(m, &cfg, NULL);
	ck_assert_ptr_nonnull(h);
	ck_assert(heap_allows(h, "camera"));
	ck_assert(heap_allows(h, "surfaceflinger"));
	ck_assert(!heap_allows(h, "app"));
	ck_assert_str_eq(heap_name(h), "contig");
	ck_assert_uint_eq(heap_id(h), 7);
	ck_assert_int_eq(heap_type(h), HEAP_TYPE_SYSTEM_CONTIG);
	ck_assert_uint_eq(heap_flags(h), 0);
	ck_assert_ptr_eq(heap_config(h)->allow[1], h->cfg.allow[1]);
	ck_assert_int_eq(heap_destroy(h), 0);
	h = make(m, HEAP_TYPE_SYSTEM, "system", true);
	ck_assert(heap_allows(h, "anyone"));
	ck_assert_uint_eq(heap_flags(h), HEAP_FLAG_DEFER_FREE);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(create_refuses_unknown_types)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_config cfg;
	int err = 0;

	heap_config_defaults(&cfg, HEAP_TYPE_SYSTEM);
	cfg.type = (enum heap_type)9;
	ck_assert_ptr_null(heap_create(m, &cfg, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_int_eq(heap_destroy(NULL), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(phys_and_contiguity)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *c = make(m, HEAP_TYPE_SYSTEM_CONTIG, "contig", false);
	struct heap *s = make(m, HEAP_TYPE_SYSTEM, "system", false);
	struct heap_buffer a, b;
	struct sim_run apart[2] = { { 0x10000, K4 }, { 0x30000, K4 } };
	struct heap_buffer fake;
	uint64_t addr = 0, len = 0;

	ck_assert_int_eq(alloc(c, &a, 3 * K4), 0);
	ck_assert_int_eq(alloc(s, &b, 3 * K4), 0);
	ck_assert_int_eq(heap_phys(&a, &addr, &len), 0);
	ck_assert_uint_eq(addr, a.runs[0].phys);
	ck_assert_uint_eq(len, 3 * K4);
	ck_assert(heap_buffer_contiguous(&a));
	ck_assert_int_eq(heap_phys(&b, &addr, &len), -ENODEV);
	memset(&fake, 0, sizeof(fake));
	fake.runs = apart;
	fake.nruns = 2;
	ck_assert(!heap_buffer_contiguous(&fake));
	apart[1].phys = 0x11000;
	ck_assert(heap_buffer_contiguous(&fake));
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(c), 0);
	ck_assert_int_eq(heap_destroy(s), 0);
	test_shutdown(m);
}
END_TEST

static int validate_text(struct heap *h, char **text)
{
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	int problems;

	ck_assert_ptr_nonnull(f);
	problems = heap_validate(h, f);
	fclose(f);
	return problems;
}

START_TEST(validate_finds_overlaps_and_bad_counters)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM_CONTIG, "contig", false);
	struct heap_buffer a, b;
	struct sim_run saved;
	char *text = NULL;

	ck_assert_int_eq(alloc(h, &a, K4), 0);
	ck_assert_int_eq(alloc(h, &b, K4), 0);
	ck_assert_int_eq(validate_text(h, &text), 0);
	ck_assert_str_eq(text, "");
	free(text);
	saved = b.runs[0];
	b.runs[0] = a.runs[0];
	ck_assert_int_gt(validate_text(h, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "two buffers share"));
	free(text);
	b.runs[0] = saved;
	h->used += K4;			/* and so above the peak */
	ck_assert_int_eq(validate_text(h, &text), 2);
	ck_assert_ptr_nonnull(strstr(text, "heap contig: used is"));
	ck_assert_ptr_nonnull(strstr(text, "peak (below used)"));
	free(text);
	h->used -= K4;
	b.runs[0].phys = 1ULL << 40;		/* outside RAM */
	ck_assert_int_eq(validate_text(h, &text), 1);
	ck_assert_ptr_nonnull(strstr(text, "outside the heap"));
	free(text);
	b.runs[0] = saved;
	ck_assert_int_eq(heap_validate(h, NULL), 0);
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(destroy_counts_live_buffers_and_leaves_them_alone)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make(m, HEAP_TYPE_SYSTEM_CONTIG, "contig", false);
	struct heap_buffer b;
	uint64_t before = sim_buddy_free_pages(m), pfn;

	ck_assert_int_eq(alloc(h, &b, K4), 0);
	ck_assert_int_eq(heap_destroy(h), 1);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before - 1);
	/* The caller's bug to clean up: here, by hand. */
	pfn = sim_phys_to_pfn(b.runs[0].phys);
	ck_assert_ptr_eq(b.runs, &b.run_inline);	/* one run: no kobj */
	sim_pages_free(m, pfn, 0);
	test_shutdown(m);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("heaps-core");
	TCase *t = tcase_create("deferred");

	tcase_add_test(t, deferred_free_is_lifo_and_still_counts_as_used);
	tcase_add_test(t, drain_takes_whole_buffers_until_enough);
	tcase_add_test(t, failed_alloc_drains_everything_and_retries_once);
	tcase_add_test(t, retry_happens_once_and_only_on_deferred_heaps);
	tcase_add_test(t,
		       injected_first_try_succeeds_on_retry_without_a_failure);
	suite_add_tcase(s, t);
	t = tcase_create("shrinker");
	tcase_add_test(t, shrinker_takes_deferred_buffers_first_then_pools);
	tcase_add_test(t, shrinker_goes_on_to_the_pools_for_the_rest);
	tcase_add_test(t, heaps_without_pools_or_defer_have_nothing_to_shrink);
	suite_add_tcase(s, t);
	t = tcase_create("mappings");
	tcase_add_test(t, kmap_is_counted_and_two_kmaps_share_bytes);
	tcase_add_test(t, kmap_underflow_behaves_as_4_9);
	tcase_add_test(t, free_drops_a_kernel_mapping_still_held);
	tcase_add_test(t, free_memory_is_always_zero);
	tcase_add_test(t, clean_buffers_are_not_zeroed_again);
	tcase_add_test(t, map_user_maps_the_runs_and_marks_writers_dirty);
	suite_add_tcase(s, t);
	t = tcase_create("faults");
	tcase_add_test(t, page_faults_leave_nothing_behind);
	tcase_add_test(t, kobj_faults_leave_nothing_behind);
	suite_add_tcase(s, t);
	t = tcase_create("checks");
	tcase_add_test(t, frag_failures_need_enough_free_memory_and_no_fault);
	tcase_add_test(t, peak_and_waste_follow_the_buffers);
	tcase_add_test(t, access_list_and_accessors);
	tcase_add_test(t, create_refuses_unknown_types);
	tcase_add_test(t, phys_and_contiguity);
	tcase_add_test(t, validate_finds_overlaps_and_bad_counters);
	tcase_add_test(t, destroy_counts_live_buffers_and_leaves_them_alone);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(core_suite)
