/*
 * tests/model/test_audit.c - the invariant audit and the live-buffer
 * report.  The audit must be silent after every kind of operation, on
 * the fixed and the older releases; each invariant must be caught, with
 * its own message, when one count is corrupted by hand (and restored
 * before teardown); leaks made by a forced extra reference must be
 * classed as leaked; held and orphaned buffers must be told apart and
 * their holders named; and quiescence must find what is left.
 * Kernel reference: Linux 4.9 ion.c (who holds a buffer's and a handle's
 * kref, handle_count, orphans), 4.9.337's user_ref_count (ION-SPEC 7.2),
 * dma-buf.c (file references: fds, mappings, dma_buf_get).
 */
#include <stdlib.h>

#include "ionsim/uapi/dma-heap.h"
#include "modelutil.h"

/* ---- helpers --------------------------------------------------------- */

/* The audit's count, its report kept in @text (the caller frees it). */
static int audit(struct kion_device *dev, char **text)
{
	size_t len = 0;
	FILE *f;
	int n;

	*text = NULL;
	f = open_memstream(text, &len);
	ck_assert_ptr_nonnull(f);
	n = kion_audit(dev, f);
	fclose(f);
	return n;
}

static void assert_clean(struct kion_device *dev)
{
	char *text;
	int n = audit(dev, &text);

	ck_assert_msg(n == 0, "audit found %d:\n%s", n, text);
	ck_assert_int_eq(kion_audit_quick(dev), 0);
	free(text);
}

/* Exactly @n violations, one of them saying @needle. */
static void assert_found(struct kion_device *dev, int n, const char *needle)
{
	char *text;
	int got = audit(dev, &text);

	ck_assert_msg(got == n, "audit found %d, not %d:\n%s", got, n, text);
	ck_assert_msg(strstr(text, needle) != NULL, "no \"%s\" in:\n%s",
		      needle, text);
	free(text);
}

static char *leak_report(struct kion_device *dev)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	kion_leak_report(dev, f);
	fclose(f);
	return text;
}

/* The classes and holders of every live buffer, as text lines
 * "SERIAL CLASS: holder; holder". */
static int describe_one(void *ctx, const struct kion_buffer_info *info)
{
	FILE *f = ctx;
	char line[160];
	unsigned int i;

	fprintf(f, "%llu %s:", (unsigned long long)info->serial,
		kion_buffer_class_name(info->cls));
	for (i = 0; i < info->nholders; i++) {
		kion_holder_format(&info->holders[i], line, sizeof(line));
		fprintf(f, "%s %s", i ? ";" : "", line);
	}
	fputc('\n', f);
	return 0;
}

static void assert_live(struct kion_device *dev, const char *want)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(kion_buffer_foreach_live(dev, describe_one, f), 0);
	fclose(f);
	ck_assert_str_eq(text, want);
	free(text);
}

static struct kion_buffer_counts counts(struct kion_device *dev)
{
	struct kion_buffer_counts c;

	ck_assert_int_eq(kion_buffer_counts(dev, &c), 0);
	return c;
}

/* camera (pid 100) and gpu (pid 101), /dev/ion open on fd 3 in both. */
struct pair {
	struct mt_world w;
	struct sim_proc *a, *b;
	int ia, ib;
};

static void pair_boot(struct pair *t, enum kion_kernel kernel)
{
	mt_boot_kernel(&t->w, kernel);
	t->a = mt_spawn(&t->w, "camera");
	t->b = mt_spawn(&t->w, "gpu");
	t->ia = mt_open(&t->w, t->a);
	t->ib = mt_open(&t->w, t->b);
}

static void pair_setup(struct pair *t)
{
	pair_boot(t, KION_KERNEL_4_9_337);
}

/* A new 4 KiB system buffer of camera's: its handle id. */
static int alloc_4k(struct pair *t)
{
	return mt_alloc_ok(t->a, t->ia, 4096, MT_MASK(MT_SYSTEM));
}

/* A new 4 KiB system buffer of camera's, shared: the dma-buf fd. */
static int share_4k(struct pair *t)
{
	return mt_share_ok(t->a, t->ia, alloc_4k(t));
}

/* /dev/dma_heap/system over the system heap. */
static void add_system_node(struct kion_device *dev)
{
	struct heap *system = kion_heap_by_name(dev, "system");

	ck_assert_int_eq(kion_dmaheap_add(dev, "system", system), 0);
}

/* ---- clean states ------------------------------------------------------ */

/* Linux 4.9 ion.c / dma-buf.c: every reference an operation creates or
 * drops is one the audit finds again. */
START_TEST(clean_after_handle_operations)
{
	struct pair t;
	int h, fd, fdb, hb = 0;

	pair_setup(&t);
	assert_clean(t.w.dev);
	h = mt_alloc_ok(t.a, t.ia, 5000, MT_MASK(MT_SYSTEM));
	assert_clean(t.w.dev);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CARVEOUT));
	mt_alloc_ok(t.a, t.ia, 70000, MT_MASK(MT_CHUNK));
	mt_alloc_ok(t.a, t.ia, 8192, MT_MASK(MT_CONTIG));
	mt_alloc_ok(t.a, t.ia, 8192, MT_MASK(MT_CMA));
	assert_clean(t.w.dev);
	fd = mt_share_ok(t.a, t.ia, h);
	assert_clean(t.w.dev);
	ck_assert_int_ge(sim_fd_dup(t.a, fd), 0);
	assert_clean(t.w.dev);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	assert_clean(t.w.dev);
	ck_assert_int_eq(mt_free(t.b, t.ib, hb), 0);
	assert_clean(t.w.dev);
	ck_assert_int_eq(mt_free(t.a, t.ia, h), 0);
	assert_clean(t.w.dev);
	ck_assert_int_eq(sim_fd_close(t.b, t.ib), 0);
	assert_clean(t.w.dev);
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 dma-buf.c: mappings, messages in flight, CPU access and
 * kernel maps hold what the audit expects them to. */
START_TEST(clean_after_file_operations)
{
	struct pair t;
	struct sim_vma *vma;
	int h, fd, token;
	int err = 0;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 8192, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	vma = mt_mmap(t.a, fd, 8192, SIM_PROT_READ | SIM_PROT_WRITE);
	assert_clean(t.w.dev);
	token = sim_fd_send_begin(t.a, fd);
	ck_assert_int_gt(token, 0);
	assert_clean(t.w.dev);
	ck_assert_int_ge(sim_fd_send_end(t.w.m, token, t.b), 0);
	assert_clean(t.w.dev);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_RW), 0);
	assert_clean(t.w.dev);
	ck_assert_int_eq(mt_cpu_sync(t.a, fd, DMA_BUF_SYNC_END |
				     DMA_BUF_SYNC_RW), 0);
	ck_assert_ptr_nonnull(kion_map_kernel(mt_client(t.a, t.ia),
					      mt_handle(t.a, t.ia, h), &err));
	assert_clean(t.w.dev);
	kion_unmap_kernel(mt_client(t.a, t.ia), mt_handle(t.a, t.ia, h));
	ck_assert_int_eq(sim_munmap(t.a, vma->host, vma->len), 0);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 ion.c's kernel API and dma-buf.c's attachments: a driver's
 * client, its handle, its dma_buf_get and mapped attachment. */
START_TEST(clean_after_driver_operations)
{
	struct pair t;
	struct kion_client *vpu;
	struct kion_handle *kh;
	struct kion_dmabuf *db;
	struct kion_attachment *att;
	int err = 0, fd;

	pair_setup(&t);
	vpu = kion_client_create(t.w.dev, NULL, "vpu");
	kh = kion_alloc(vpu, 4096, 0, MT_MASK(MT_CARVEOUT), 0, &err);
	ck_assert_ptr_nonnull(kh);
	assert_clean(t.w.dev);
	fd = kion_share_dma_buf_fd(vpu, kh, t.a);
	ck_assert_int_ge(fd, 0);
	db = kion_dma_buf_get(t.a, fd, &err);
	att = kion_dma_buf_attach(db, "soc:gpu", &err);
	ck_assert_int_eq(kion_dma_buf_map_attachment(att), 0);
	assert_clean(t.w.dev);
	kion_dma_buf_unmap_attachment(att);
	kion_dma_buf_detach(att);
	kion_dma_buf_put(db);
	assert_clean(t.w.dev);
	ck_assert_int_eq(kion_free(vpu, kh), 0);
	kion_client_destroy(vpu);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* fork copies fds and mappings; exit drops them; heaps drain and shrink. */
START_TEST(clean_after_process_and_heap_operations)
{
	struct pair t;
	struct sim_proc *child;
	int h, fd, err = 0;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, MT_M, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	mt_mmap(t.a, fd, 4096, SIM_PROT_READ);
	child = sim_proc_fork(t.a, &err);
	ck_assert_ptr_nonnull(child);
	assert_clean(t.w.dev);
	ck_assert_int_eq(sim_proc_exit(t.a), 0);
	assert_clean(t.w.dev);
	ck_assert_int_eq(sim_proc_exit(child), 0);
	assert_clean(t.w.dev);
	heap_drain(kion_heap_by_name(t.w.dev, "system"), 0);
	assert_clean(t.w.dev);
	heap_shrink_scan(kion_heap_by_name(t.w.dev, "system"), 100);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* ION-SPEC 3.7: in 4.9.45 every IMPORT is one more plain kref. */
START_TEST(clean_on_4_9_45)
{
	struct pair t;
	int h, fd, fdb, hb = 0;

	pair_boot(&t, KION_KERNEL_4_9_45);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	ck_assert_uint_eq(mt_handle(t.b, t.ib, hb)->kref, 2);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* DMA-BUF heap ALLOC (5.10 dma-heap.c) and 4.12+ ION ALLOC through their
 * ioctls: one dma-buf per buffer, held by its fd, no handle, no orphan. */
static int heap_alloc(struct sim_proc *p, int node, uint64_t len)
{
	struct dma_heap_allocation_data a = { .len = len,
					      .fd_flags = O_RDWR | O_CLOEXEC };

	ck_assert_int_eq(mt_ioctl(p, node, DMA_HEAP_IOCTL_ALLOC, &a), 0);
	return (int)a.fd;
}

START_TEST(clean_after_modern_and_dmaheap_ioctls)
{
	struct kion_config cfg = { .abi = KION_ABI_MODERN,
				   .kernel = KION_KERNEL_4_19 };
	struct ion_new_allocation_data a = { .len = 8192,
					     .heap_id_mask = 1 << MT_SYSTEM };
	struct mt_world w;
	struct sim_proc *p;
	int ion, node, fd;

	mt_boot_full(&w, &cfg, NULL, 0);
	add_system_node(w.dev);
	p = mt_spawn(&w, "camera");
	ion = kion_ion_open(w.dev, p, SIM_O_RDWR);
	ck_assert_int_eq(ion, 3);
	ck_assert_int_eq(mt_ioctl(p, ion, ION_IOC_NEW_ALLOC, &a), 0);
	node = kion_dmaheap_open(w.dev, p, "system", SIM_O_RDWR);
	ck_assert_int_eq(node, 5);
	fd = heap_alloc(p, node, 4096);
	assert_clean(w.dev);
	assert_live(w.dev, "1 held: pid 100 fd 4\n2 held: pid 100 fd 6\n");
	ck_assert_int_eq(sim_fd_close(p, fd), 0);
	ck_assert_int_eq(sim_fd_close(p, (int)a.fd), 0);
	assert_clean(w.dev);
	mt_shutdown(&w);
}
END_TEST

/* A DMA-BUF heap on a legacy board: its buffers are held by their fds;
 * ION's orphans are only ION's own. */
START_TEST(dmaheap_buffer_on_a_legacy_board)
{
	struct pair t;
	int node;

	pair_setup(&t);
	add_system_node(t.w.dev);
	node = kion_dmaheap_open(t.w.dev, t.a, "system", SIM_O_RDWR);
	ck_assert_int_ge(node, 0);
	heap_alloc(t.a, node, 4096);
	assert_clean(t.w.dev);
	assert_live(t.w.dev, "1 held: pid 100 fd 5\n");
	ck_assert_uint_eq(counts(t.w.dev).orphaned, 0);
	mt_shutdown(&t.w);
}
END_TEST

/* An entry point in flight holds temporaries the audit cannot tell from
 * leaks: it declines to run. */
START_TEST(busy_inside_an_entry_point)
{
	struct mt_world w;

	mt_boot(&w);
	kion_enter(w.dev);
	ck_assert_int_eq(kion_audit(w.dev, NULL), -EBUSY);
	kion_leave(w.dev);
	ck_assert_int_eq(kion_audit(w.dev, NULL), 0);
	mt_shutdown(&w);
}
END_TEST

/* ---- each invariant, broken by hand ------------------------------- */

/* Linux 4.9 ion.c: a buffer's kref is its handles plus its dma-bufs. */
START_TEST(buffer_ref_and_handle_count)
{
	struct pair t;
	struct kion_buffer *b;

	pair_setup(&t);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	b = mt_buffer(&t.w, 1);
	b->ref++;
	assert_found(t.w.dev, 1, "audit: buffer 1 (system): ref 2, expected 1 "
		     "(1 handles, 0 dma-bufs)\n");
	b->ref--;
	b->handle_count++;
	assert_found(t.w.dev, 1, "audit: buffer 1 (system): handle_count 2, "
		     "expected 1\n");
	b->handle_count--;
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* ION-SPEC 7.2 (4.9.337): a process's handle holds exactly one kref for
 * all its user references; a driver's has no user reference. */
START_TEST(handle_kref_rules)
{
	struct pair t;
	struct kion_client *vpu;
	struct kion_handle *h, *kh;
	int err = 0;

	pair_setup(&t);
	h = mt_handle(t.a, t.ia, alloc_4k(&t));
	h->kref++;
	assert_found(t.w.dev, 1, "client 1 (100-0) handle 1: kref 2, "
		     "expected 1 (user_ref_count 1)");
	h->kref--;
	h->user_ref_count = 0;
	assert_found(t.w.dev, 1, "client 1 (100-0) handle 1: no user reference "
		     "(kref 1)");
	h->user_ref_count = 1;
	h->kref = 0;
	assert_found(t.w.dev, 1, "client 1 (100-0) handle 1: kref 0 while "
		     "published");
	h->kref = 1;
	vpu = kion_client_create(t.w.dev, NULL, "vpu");
	kh = kion_alloc(vpu, 4096, 0, MT_MASK(MT_SYSTEM), 0, &err);
	kh->user_ref_count = 1;
	assert_found(t.w.dev, 1, "client 3 (vpu-0) handle 1: user_ref_count "
		     "1 in a driver's client");
	kh->user_ref_count = 0;
	kh->kref = 5;		/* a driver may hold several */
	assert_clean(t.w.dev);
	kh->kref = 1;
	mt_shutdown(&t.w);
}
END_TEST

/* The device's and the clients' counters equal what they count. */
START_TEST(counters)
{
	struct pair t;
	struct kion_client *c;
	struct kion_handle *h;

	pair_setup(&t);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	mt_share_ok(t.a, t.ia, 1);
	t.w.dev->nbuffers++;
	assert_found(t.w.dev, 1, "audit: nbuffers 2, but dev->buffers holds "
		     "1\n");
	t.w.dev->nbuffers--;
	t.w.dev->nclients++;
	assert_found(t.w.dev, 1, "audit: nclients 3, but dev->clients holds "
		     "2\n");
	t.w.dev->nclients--;
	t.w.dev->ndmabufs++;
	assert_found(t.w.dev, 1, "audit: ndmabufs 2, but db_list holds 1\n");
	t.w.dev->ndmabufs--;
	t.w.dev->nhandles++;
	assert_found(t.w.dev, 1, "audit: nhandles 2, but the clients' trees "
		     "hold 1\n");
	t.w.dev->nhandles--;
	c = mt_client(t.a, t.ia);
	c->nhandles++;
	assert_found(t.w.dev, 1, "audit: client 1 (100-0): nhandles 2, idr 1, "
		     "buffer tree 1\n");
	c->nhandles--;
	h = mt_handle(t.a, t.ia, 1);
	RB_REMOVE(kion_handle_by_buffer, &c->handles, h);
	assert_found(t.w.dev, 1, "audit: client 1 (100-0): nhandles 1, idr 1, "
		     "buffer tree 0\n");
	RB_INSERT(kion_handle_by_buffer, &c->handles, h);
	h->in_tree = false;
	assert_found(t.w.dev, 1, "audit: client 1 (100-0) handle 1: not "
		     "linked to its client\n");
	h->in_tree = true;
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 dma-buf.c: a dma-buf file's count is its fds, mappings,
 * messages and drivers' gets; a /dev/ion file's, its fds and messages. */
START_TEST(file_counts)
{
	struct pair t;
	struct sim_file *f;
	int fd;

	pair_setup(&t);
	fd = share_4k(&t);
	f = sim_fd_peek(t.a, fd);
	sim_file_get(f);
	assert_found(t.w.dev, 1, "audit: dma-buf 1: file count 2, expected 1 "
		     "(1 fds, 0 mappings, 0 in flight, 0 driver refs)\n");
	sim_file_put(f);
	kion_dmabuf_from_file(f)->kernel_refs++;
	assert_found(t.w.dev, 1, "dma-buf 1: file count 1, expected 2");
	kion_dmabuf_from_file(f)->kernel_refs--;
	f = sim_fd_peek(t.a, t.ia);
	sim_file_get(f);
	assert_found(t.w.dev, 1, "audit: client 1 (100-0): file count 2, "
		     "expected 1 (1 fds, 0 in flight)\n");
	sim_file_put(f);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* ION-SPEC 3.8 and 7.6: kernel map counts are never negative, cover the
 * handles' maps, and have a mapping behind them; dmap_cnt counts mapped
 * attachments; an attachment list matches its count. */
START_TEST(map_counts)
{
	struct pair t;
	struct kion_buffer *b;
	struct kion_handle *h;
	struct kion_dmabuf *db;

	pair_setup(&t);
	h = mt_handle(t.a, t.ia, alloc_4k(&t));
	db = kion_dmabuf_from_file(sim_fd_peek(t.a, mt_share_ok(t.a, t.ia, 1)));
	b = h->buffer;
	b->hb.kmap_cnt = -1;
	assert_found(t.w.dev, 1, "audit: buffer 1 (system): kmap_cnt -1 < 0\n");
	b->hb.kmap_cnt = 1;
	assert_found(t.w.dev, 1, "buffer 1 (system): kmap_cnt 1 with no "
		     "kernel mapping");
	b->hb.kmap_cnt = 0;
	h->kmap_cnt = 1;
	assert_found(t.w.dev, 1, "buffer 1 (system): kmap_cnt 0, but 1 "
		     "handles hold kernel maps");
	h->kmap_cnt = -1;
	assert_found(t.w.dev, 1, "client 1 (100-0) handle 1: kmap_cnt -1 < 0");
	h->kmap_cnt = 0;
	b->dmap_cnt = 1;
	assert_found(t.w.dev, 1, "buffer 1 (system): dmap_cnt 1, expected 0 "
		     "mapped attachments");
	b->dmap_cnt = 0;
	db->nattach = 1;
	assert_found(t.w.dev, 1, "dma-buf 1: nattach 1, but 0 attachments "
		     "listed");
	db->nattach = 0;
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* Two live buffers on one physical page, across heaps. */
START_TEST(shared_physical_page)
{
	struct pair t;
	struct kion_buffer *sys, *contig;
	uint64_t phys;
	char want[96];

	pair_setup(&t);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CONTIG));
	sys = mt_buffer(&t.w, 1);
	contig = mt_buffer(&t.w, 2);
	phys = contig->hb.runs[0].phys;
	contig->hb.runs[0].phys = sys->hb.runs[0].phys;
	snprintf(want, sizeof(want), "share physical page 0x%llx",
		 (unsigned long long)sys->hb.runs[0].phys);
	assert_found(t.w.dev, 1, want);
	contig->hb.runs[0].phys = phys;
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* The heaps' own structure checks count as violations. */
START_TEST(heap_validate_counts)
{
	struct pair t;
	struct kion_buffer *b;
	char *text;

	pair_setup(&t);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_CARVEOUT));
	b = mt_buffer(&t.w, 1);
	b->hb.allocated += 4096;
	ck_assert_int_ge(audit(t.w.dev, &text), 1);
	ck_assert_msg(strncmp(text, "audit: heap carveout: ", 22) == 0, "%s",
		      text);
	free(text);
	b->hb.allocated -= 4096;
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* Kernel WARNs and touches of destroyed handles are violations; a real
 * WARN: an unmap through a handle with no kernel map. */
START_TEST(warnings_and_use_after_free)
{
	struct pair t;
	struct kion_handle dummy = { .dead = true };
	int h;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	kion_unmap_kernel(mt_client(t.a, t.ia), mt_handle(t.a, t.ia, h));
	assert_found(t.w.dev, 1, "audit: 1 kernel WARNs hit\n");
	ck_assert_int_eq(kion_audit_quick(t.w.dev), 1);
	t.w.dev->warnings = 0;
	t.w.dev->uaf = 2;
	assert_found(t.w.dev, 1, "audit: 2 touches of destroyed handles (use "
		     "after free)\n");
	t.w.dev->uaf = 0;
	t.w.dev->dead = &dummy;
	assert_found(t.w.dev, 1, "destroyed handles still parked");
	ck_assert_int_eq(kion_audit_quick(t.w.dev), 1);
	t.w.dev->dead = NULL;
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* The quick check: counters against the emptiness of what they count. */
START_TEST(quick_counters)
{
	struct pair t;

	pair_setup(&t);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	t.w.dev->nbuffers = 0;
	ck_assert_int_eq(kion_audit_quick(t.w.dev), 1);
	t.w.dev->nbuffers = 1;
	t.w.dev->ndmabufs = 1;
	ck_assert_int_eq(kion_audit_quick(t.w.dev), 1);
	t.w.dev->ndmabufs = 0;
	t.w.dev->nclients = 0;
	ck_assert_int_eq(kion_audit_quick(t.w.dev), 1);
	t.w.dev->nclients = 2;
	ck_assert_int_eq(kion_audit_quick(t.w.dev), 0);
	mt_shutdown(&t.w);
}
END_TEST

/* ---- classes and holders ------------------------------------------ */

/* SCENARIO.md: held by handles and fds of two processes. */
START_TEST(held_by_handles_and_fds)
{
	struct pair t;
	int h, fd, fdb, hb = 0;

	pair_setup(&t);
	h = mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	fd = mt_share_ok(t.a, t.ia, h);
	fdb = sim_fd_send(t.a, fd, t.b);
	ck_assert_int_eq(mt_import(t.b, t.ib, fdb, &hb), 0);
	assert_live(t.w.dev, "1 held: pid 100 (camera) handle 1; pid 101 (gpu) "
		    "handle 1; pid 100 fd 4; pid 101 fd 4\n");
	ck_assert_uint_eq(counts(t.w.dev).held, 1);
	mt_shutdown(&t.w);
}
END_TEST

/* Linux 4.9 ion.c: a buffer with no handle left, kept by a dma-buf fd,
 * a mapping, a message in flight or a driver's get, is an orphan. */
START_TEST(orphans_and_their_holders)
{
	struct pair t;
	struct kion_dmabuf *db;
	int fd, err = 0, token;

	pair_setup(&t);
	fd = share_4k(&t);
	ck_assert_int_eq(mt_free(t.a, t.ia, 1), 0);
	assert_live(t.w.dev, "1 orphaned: pid 100 fd 4\n");
	mt_mmap(t.a, fd, 4096, SIM_PROT_READ);
	token = sim_fd_send_begin(t.a, fd);
	db = kion_dma_buf_get(t.a, fd, &err);
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	assert_live(t.w.dev, "1 orphaned: pid 100 mapping 0x7f0000000000; "
		    "fd in flight (message 1); kernel dma_buf_get on "
		    "dma-buf 1\n");
	ck_assert_int_eq(sim_fd_send_abort(t.w.m, token), 0);
	kion_dma_buf_put(db);
	ck_assert_uint_eq(counts(t.w.dev).orphaned, 1);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* A driver's client holds its handles; its orphans are orphans too. */
START_TEST(driver_holders)
{
	struct pair t;
	struct kion_client *vpu;
	int err = 0;

	pair_setup(&t);
	vpu = kion_client_create(t.w.dev, NULL, "vpu");
	ck_assert_ptr_nonnull(kion_alloc(vpu, 4096, 0, MT_MASK(MT_CMA), 0,
					 &err));
	assert_live(t.w.dev, "1 held: kernel client vpu handle 1\n");
	mt_shutdown(&t.w);
}
END_TEST

/* A forced extra buffer kref outlives every holder: leaked, and at
 * quiescence a heap still holds it. */
START_TEST(leak_by_extra_buffer_kref)
{
	struct pair t;
	struct kion_buffer_counts c;

	pair_setup(&t);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	kion_buffer_get(mt_buffer(&t.w, 1));
	ck_assert_int_eq(sim_proc_exit(t.a), 0);
	ck_assert_int_eq(sim_proc_exit(t.b), 0);
	assert_live(t.w.dev, "1 leaked:\n");
	c = counts(t.w.dev);
	ck_assert_uint_eq(c.live_buffers, 1);
	ck_assert_uint_eq(c.leaks, 1);
	ck_assert_uint_eq(c.orphaned, 0);
	assert_found(t.w.dev, 2, "audit: buffer 1 (system): ref 1, expected "
		     "0 (0 handles, 0 dma-bufs)\naudit: quiescent, but heap "
		     "system holds 1 live buffers\n");
	mt_shutdown(&t.w);	/* kion_device_destroy frees leaked buffers */
}
END_TEST

/* A forced extra reference on a dma-buf file: the file, and the buffer
 * behind it, are held by nothing reachable. */
START_TEST(leak_by_extra_file_ref)
{
	struct pair t;
	struct sim_file *f;
	int fd;

	pair_setup(&t);
	fd = share_4k(&t);
	f = sim_fd_peek(t.a, fd);
	sim_file_get(f);
	ck_assert_int_eq(sim_fd_close(t.a, fd), 0);
	ck_assert_int_eq(mt_free(t.a, t.ia, 1), 0);
	assert_live(t.w.dev, "1 leaked:\n");
	assert_found(t.w.dev, 1, "dma-buf 1: file count 1, expected 0");
	sim_file_put(f);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* A /dev/ion file nothing can reach: its client's handles hold nothing
 * reachable either. */
START_TEST(leak_by_unreachable_client)
{
	struct pair t;
	struct sim_file *f;

	pair_setup(&t);
	mt_alloc_ok(t.a, t.ia, 4096, MT_MASK(MT_SYSTEM));
	f = sim_fd_peek(t.a, t.ia);
	sim_file_get(f);
	ck_assert_int_eq(sim_fd_close(t.a, t.ia), 0);
	assert_live(t.w.dev, "1 leaked:\n");
	assert_found(t.w.dev, 1, "audit: client 1 (100-0): no process holds "
		     "its file\n");
	sim_file_put(f);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

/* ION 4.12+ has no handles: a buffer its fd holds is held, not orphaned. */
START_TEST(modern_buffers_are_held)
{
	struct kion_config cfg = { .abi = KION_ABI_MODERN,
				   .kernel = KION_KERNEL_4_19 };
	struct mt_world w;
	struct sim_proc *p;
	struct kion_buffer *b;
	struct kion_dmabuf *db;
	int err = 0;

	mt_boot_full(&w, &cfg, NULL, 0);
	p = mt_spawn(&w, "camera");
	b = kion_buffer_alloc(w.dev, 4096, 0, MT_MASK(MT_SYSTEM), 0, "camera",
			      100, &err);
	db = kion_dmabuf_wrap(b, KION_EXP_NAME, SIM_O_RDWR, &err);
	ck_assert_ptr_nonnull(db);
	b->modern_dmabuf = db;
	ck_assert_int_eq(sim_fd_install(p, db->file, SIM_O_CLOEXEC), 3);
	assert_live(w.dev, "1 held: pid 100 fd 3\n");
	assert_clean(w.dev);
	mt_shutdown(&w);
}
END_TEST

/* The report: each buffer with size, heap, line, allocator, class and
 * holders, then SCENARIO.md's counts. */
START_TEST(leak_report_text)
{
	struct pair t;
	char *text;

	pair_setup(&t);
	t.w.dev->tag = 7;
	share_4k(&t);
	t.w.dev->tag = 9;
	mt_alloc_ok(t.b, t.ib, MT_M, MT_MASK(MT_CARVEOUT));
	ck_assert_int_eq(mt_free(t.a, t.ia, 1), 0);
	kion_buffer_get(mt_buffer(&t.w, 2));
	ck_assert_int_eq(sim_fd_close(t.b, t.ib), 0);
	text = leak_report(t.w.dev);
	ck_assert_str_eq(text,
		"buffer 1: 4096 bytes on heap system, allocated at line 7 by "
		"pid 100 (camera): orphaned\n"
		"    pid 100 fd 4\n"
		"buffer 2: 1048576 bytes on heap carveout, allocated at line 9 "
		"by pid 101 (gpu): leaked (ref 1, handle_count 0, nothing "
		"reachable holds it)\n"
		"live_buffers 2, orphaned 1, leaks 1\n");
	free(text);
	mt_shutdown(&t.w);
}
END_TEST

/* The structured walk carries what the report prints. */
static int check_info(void *ctx, const struct kion_buffer_info *info)
{
	ck_assert_uint_eq(info->serial, 1);
	ck_assert_uint_eq(info->size, 8192);
	ck_assert_str_eq(info->heap, "chunk");
	ck_assert_uint_eq(info->alloc_tag, 3);
	ck_assert_int_eq(info->alloc_pid, 100);
	ck_assert_str_eq(info->alloc_comm, "camera");
	ck_assert_uint_eq(info->ref, 1);
	ck_assert_int_eq(info->handle_count, 1);
	ck_assert_uint_eq(info->nholders, 1);
	ck_assert_int_eq(info->holders[0].kind, KION_HOLDER_HANDLE);
	ck_assert_int_eq(info->holders[0].fd, 3);
	*(int *)ctx += 1;
	return 42;
}

START_TEST(foreach_live_fields)
{
	struct pair t;
	int seen = 0;

	pair_setup(&t);
	t.w.dev->tag = 3;
	mt_alloc_ok(t.a, t.ia, 5000, MT_MASK(MT_CHUNK));
	mt_alloc_ok(t.a, t.ia, 5000, MT_MASK(MT_CHUNK));
	ck_assert_int_eq(kion_buffer_foreach_live(t.w.dev, check_info,
						  &seen), 42);
	ck_assert_int_eq(seen, 1);
	mt_shutdown(&t.w);
}
END_TEST

/* ---- quiescence --------------------------------------------------- */

/* Every process gone: only pools and deferred lists may keep memory. */
START_TEST(quiescent_and_clean)
{
	struct pair t;

	pair_setup(&t);
	share_4k(&t);
	mt_alloc_ok(t.b, t.ib, 4096, MT_MASK(MT_CARVEOUT));
	ck_assert_int_eq(sim_proc_exit(t.a), 0);
	ck_assert_int_eq(sim_proc_exit(t.b), 0);
	ck_assert_uint_gt(mt_metrics(&t.w, "system").deferred, 0);
	assert_clean(t.w.dev);
	assert_live(t.w.dev, "");
	mt_shutdown(&t.w);
}
END_TEST

/* A driver's client is not quiescence: what it holds is held. */
START_TEST(driver_keeps_the_machine_busy)
{
	struct pair t;
	struct kion_client *vpu;
	int err = 0;

	pair_setup(&t);
	vpu = kion_client_create(t.w.dev, NULL, "vpu");
	ck_assert_ptr_nonnull(kion_alloc(vpu, 4096, 0, MT_MASK(MT_SYSTEM), 0,
					 &err));
	ck_assert_int_eq(sim_proc_exit(t.a), 0);
	ck_assert_int_eq(sim_proc_exit(t.b), 0);
	assert_clean(t.w.dev);
	mt_shutdown(&t.w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/audit");
	TCase *tc = tcase_create("clean");

	tcase_add_test(tc, clean_after_handle_operations);
	tcase_add_test(tc, clean_after_file_operations);
	tcase_add_test(tc, clean_after_driver_operations);
	tcase_add_test(tc, clean_after_process_and_heap_operations);
	tcase_add_test(tc, clean_on_4_9_45);
	tcase_add_test(tc, clean_after_modern_and_dmaheap_ioctls);
	tcase_add_test(tc, dmaheap_buffer_on_a_legacy_board);
	tcase_add_test(tc, busy_inside_an_entry_point);
	suite_add_tcase(s, tc);

	tc = tcase_create("violations");
	tcase_add_test(tc, buffer_ref_and_handle_count);
	tcase_add_test(tc, handle_kref_rules);
	tcase_add_test(tc, counters);
	tcase_add_test(tc, file_counts);
	tcase_add_test(tc, map_counts);
	tcase_add_test(tc, shared_physical_page);
	tcase_add_test(tc, heap_validate_counts);
	tcase_add_test(tc, warnings_and_use_after_free);
	tcase_add_test(tc, quick_counters);
	suite_add_tcase(s, tc);

	tc = tcase_create("classes");
	tcase_add_test(tc, held_by_handles_and_fds);
	tcase_add_test(tc, orphans_and_their_holders);
	tcase_add_test(tc, driver_holders);
	tcase_add_test(tc, leak_by_extra_buffer_kref);
	tcase_add_test(tc, leak_by_extra_file_ref);
	tcase_add_test(tc, leak_by_unreachable_client);
	tcase_add_test(tc, modern_buffers_are_held);
	tcase_add_test(tc, leak_report_text);
	tcase_add_test(tc, foreach_live_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("quiescence");
	tcase_add_test(tc, quiescent_and_clean);
	tcase_add_test(tc, driver_keeps_the_machine_busy);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
