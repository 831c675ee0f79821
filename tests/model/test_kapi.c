/*
 * tests/model/test_kapi.c - ION's in-kernel interface as a simulated
 * driver uses it: a driver's own client, allocation and free, kernel
 * mappings and their counts, physical addresses of contiguous buffers,
 * scatter lists, sharing to and importing from processes, dma_buf_get /
 * put and attachments; plus the device's own calls (heap order, nodes,
 * configuration, teardown, narration).
 * Kernel reference: Linux 4.9 ion.c (ion_client_create, ion_alloc,
 * ion_free, ion_map_kernel, ion_unmap_kernel, ion_phys, ion_sg_table,
 * ion_share_dma_buf_fd, ion_import_dma_buf_fd) and dma-buf.c
 * (dma_buf_get/put, attach/detach, map/unmap_attachment).
 */
#include <limits.h>
#include <stdio.h>

#include "modelutil.h"

/* A booted world with a driver's client "vpu". */
struct drv {
	struct mt_world w;
	struct kion_client *c;
};

static void drv_setup(struct drv *d)
{
	mt_boot(&d->w);
	d->c = kion_client_create(d->w.dev, NULL, "vpu");
	ck_assert_ptr_nonnull(d->c);
}

static struct kion_handle *drv_alloc(struct kion_client *c, uint64_t len,
				     unsigned int id)
{
	int err = 1;
	struct kion_handle *h = kion_alloc(c, len, 0, MT_MASK(id), 0, &err);

	ck_assert_msg(h != NULL, "kion_alloc: %d", err);
	return h;
}

/* ---- clients and allocation ------------------------------------------ */

/* Linux 4.9 ion.c ion_client_create / ion_alloc for a kernel client:
 * named by the driver, no task, pid 0; the handle has kref 1 and no user
 * reference. */
START_TEST(driver_client_alloc_and_free)
{
	struct drv d;
	struct kion_handle *h;

	drv_setup(&d);
	ck_assert(d.c->kernel);
	ck_assert_str_eq(d.c->name, "vpu");
	ck_assert_str_eq(d.c->display_name, "vpu-0");
	ck_assert_int_eq(d.c->pid, 0);
	h = drv_alloc(d.c, 5000, MT_SYSTEM);
	ck_assert_int_eq(h->id, 1);
	ck_assert_uint_eq(h->kref, 1);
	ck_assert_uint_eq(h->user_ref_count, 0);
	ck_assert_str_eq(h->buffer->alloc_comm, "vpu");
	ck_assert_int_eq(h->buffer->alloc_pid, 0);
	ck_assert_int_eq(kion_free(d.c, h), 0);
	ck_assert_uint_eq(d.w.dev->nbuffers, 0);
	ck_assert_uint_eq(d.c->nhandles, 0);
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9 ion.c ion_free: a handle of another client fails validation
 * (a WARN; we answer EINVAL); ion_client_create wants a name. */
START_TEST(driver_free_of_foreign_handle_is_einval)
{
	struct drv d;
	struct kion_client *other;
	struct kion_handle *h;
	unsigned long warnings;

	drv_setup(&d);
	ck_assert_ptr_null(kion_client_create(d.w.dev, NULL, NULL));
	ck_assert_ptr_null(kion_client_create(d.w.dev, NULL, ""));
	other = kion_client_create(d.w.dev, NULL, "vpu");
	ck_assert_str_eq(other->display_name, "vpu-1");
	h = drv_alloc(other, 4096, MT_SYSTEM);
	warnings = d.w.dev->warnings;
	ck_assert_int_eq(kion_free(d.c, h), -EINVAL);
	ck_assert_uint_eq(d.w.dev->warnings, warnings + 1);
	ck_assert_uint_eq(h->kref, 1);
	kion_client_destroy(other);
	ck_assert_uint_eq(d.w.dev->nbuffers, 0);
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9 ion.c ion_alloc: the kernel API walks the heaps as the
 * ioctl does (ENODEV, last heap's errno). */
START_TEST(driver_alloc_errors)
{
	struct drv d;
	int err = 0;

	drv_setup(&d);
	ck_assert_ptr_null(kion_alloc(d.c, 4096, 0, 0, 0, &err));
	ck_assert_int_eq(err, -ENODEV);
	ck_assert_ptr_null(kion_alloc(d.c, 0, 0, MT_MASK(MT_SYSTEM), 0, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_ptr_null(kion_alloc(d.c, 4096, 8192, MT_MASK(MT_CARVEOUT),
				      0, &err));
	ck_assert_int_eq(err, -EINVAL);
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9 ion.c ion_handle_get_by_id / ion_handle_put. */
START_TEST(driver_handle_get_by_id_and_put)
{
	struct drv d;
	struct kion_handle *h, *got;
	int err = 0;

	drv_setup(&d);
	h = drv_alloc(d.c, 4096, MT_SYSTEM);
	got = kion_handle_get_by_id(d.c, h->id, &err);
	ck_assert_ptr_eq(got, h);
	ck_assert_uint_eq(h->kref, 2);
	kion_handle_put(got);
	ck_assert_uint_eq(h->kref, 1);
	ck_assert_ptr_null(kion_handle_get_by_id(d.c, 9, &err));
	ck_assert_int_eq(err, -EINVAL);
	kion_handle_put(h);	/* the last kref: destroyed */
	ck_assert_uint_eq(d.w.dev->nbuffers, 0);
	mt_shutdown(&d.w);
}
END_TEST

/* ---- kernel mappings -------------------------------------------------------- */

/* Linux 4.9 ion.c ion_map_kernel: per-handle counts, one buffer kmap
 * per handle that maps; a double unmap is a WARN; a handle destroyed
 * while mapped gives its maps back. */
START_TEST(map_kernel_counts)
{
	struct drv d;
	struct kion_client *c2;
	struct kion_handle *h, *h2;
	struct sim_proc *p;
	struct sim_vma *vma;
	char *va, *vb;
	int err = 0, fd, ion;
	unsigned long warnings;

	drv_setup(&d);
	h = drv_alloc(d.c, 8192, MT_SYSTEM);
	va = kion_map_kernel(d.c, h, &err);
	ck_assert_ptr_nonnull(va);
	vb = kion_map_kernel(d.c, h, &err);
	ck_assert_ptr_eq(va, vb);
	ck_assert_int_eq(h->kmap_cnt, 2);
	ck_assert_int_eq(h->buffer->hb.kmap_cnt, 1);
	/* A second client's handle on the same buffer maps it once more. */
	p = mt_spawn(&d.w, "app");
	ion = mt_open(&d.w, p);
	fd = kion_share_dma_buf_fd(d.c, h, p);
	ck_assert_int_ge(fd, 0);
	c2 = kion_client_create(d.w.dev, NULL, "gpu");
	h2 = kion_import_dma_buf_fd(c2, p, fd, &err);
	ck_assert_ptr_nonnull(h2);
	ck_assert_ptr_eq(kion_map_kernel(c2, h2, &err), va);
	ck_assert_int_eq(h->buffer->hb.kmap_cnt, 2);
	/* The kernel's writes reach userspace's mapping. */
	vma = mt_mmap(p, fd, 8192, SIM_PROT_READ);
	memcpy(va + 4096, "decoded", 8);
	ck_assert_str_eq((char *)vma->host + 4096, "decoded");
	kion_unmap_kernel(d.c, h);
	kion_unmap_kernel(d.c, h);
	ck_assert_int_eq(h->kmap_cnt, 0);
	ck_assert_int_eq(h->buffer->hb.kmap_cnt, 1);
	warnings = d.w.dev->warnings;
	kion_unmap_kernel(d.c, h);
	ck_assert_uint_eq(d.w.dev->warnings, warnings + 1);
	ck_assert_int_eq(h->buffer->hb.kmap_cnt, 1);
	/* Destroying the mapped handle drops its map. */
	kion_client_destroy(c2);
	ck_assert_int_eq(h->buffer->hb.kmap_cnt, 0);
	ck_assert_ptr_null(h->buffer->hb.vaddr);
	(void)ion;
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9 ion.c ion_map_kernel: a handle not in the client is EINVAL. */
START_TEST(map_kernel_foreign_handle_is_einval)
{
	struct drv d;
	struct kion_client *other;
	struct kion_handle *h;
	int err = 0;

	drv_setup(&d);
	other = kion_client_create(d.w.dev, NULL, "isp");
	h = drv_alloc(other, 4096, MT_SYSTEM);
	ck_assert_ptr_null(kion_map_kernel(d.c, h, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_int_eq(h->buffer->hb.kmap_cnt, 0);
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9.337 ion.c ion_handle_kmap_get: INT_MAX maps through one
 * handle is EOVERFLOW. */
START_TEST(map_kernel_handle_count_at_int_max)
{
	struct drv d;
	struct kion_handle *h;
	int err = 0;

	drv_setup(&d);
	h = drv_alloc(d.c, 4096, MT_SYSTEM);
	ck_assert_ptr_nonnull(kion_map_kernel(d.c, h, &err));
	h->kmap_cnt = INT_MAX;
	ck_assert_ptr_null(kion_map_kernel(d.c, h, &err));
	ck_assert_int_eq(err, -EOVERFLOW);
	h->kmap_cnt = 1;
	mt_shutdown(&d.w);
}
END_TEST

/* ---- physical layout ----------------------------------------------------------- */

/* Linux 4.9 ion.c ion_phys: only heaps with .phys (contiguous ones)
 * answer; system and chunk buffers are ENODEV. */
START_TEST(phys_of_contiguous_heaps_only)
{
	struct drv d;
	const struct sim_region *r;
	struct kion_handle *h;
	uint64_t addr = 0, len = 0;

	drv_setup(&d);
	h = drv_alloc(d.c, 3 * 4096, MT_CARVEOUT);
	ck_assert_int_eq(kion_phys(d.c, h, &addr, &len), 0);
	r = sim_region_get(d.w.m, sim_region_find(d.w.m, "carveout"));
	ck_assert_uint_eq(addr, r->base);
	ck_assert_uint_eq(len, 3 * 4096);
	h = drv_alloc(d.c, 4096, MT_CONTIG);
	ck_assert_int_eq(kion_phys(d.c, h, &addr, &len), 0);
	h = drv_alloc(d.c, 4096, MT_CMA);
	ck_assert_int_eq(kion_phys(d.c, h, &addr, &len), 0);
	h = drv_alloc(d.c, 4096, MT_SYSTEM);
	ck_assert_int_eq(kion_phys(d.c, h, &addr, &len), -ENODEV);
	h = drv_alloc(d.c, 4096, MT_CHUNK);
	ck_assert_int_eq(kion_phys(d.c, h, &addr, &len), -ENODEV);
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9 ion.c ion_sg_table: the heap's table: the system heap's
 * blocks in allocation order, one run for a carveout. */
START_TEST(sg_table_runs)
{
	struct drv d;
	const struct sim_run *runs;
	struct kion_client *other;
	struct kion_handle *h;
	unsigned int n = 0;
	int err = 0;

	drv_setup(&d);
	h = drv_alloc(d.c, (1 << 20) + (64 << 10) + 4096, MT_SYSTEM);
	runs = kion_sg_table(d.c, h, &n, &err);
	ck_assert_ptr_nonnull(runs);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(runs[0].len, 1 << 20);
	ck_assert_uint_eq(runs[1].len, 64 << 10);
	ck_assert_uint_eq(runs[2].len, 4096);
	h = drv_alloc(d.c, 5 * 4096, MT_CARVEOUT);
	runs = kion_sg_table(d.c, h, &n, &err);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(runs[0].len, 5 * 4096);
	other = kion_client_create(d.w.dev, NULL, "isp");
	ck_assert_ptr_null(kion_sg_table(other, h, &n, &err));
	ck_assert_int_eq(err, -EINVAL);
	mt_shutdown(&d.w);
}
END_TEST

/* ---- sharing with processes ---------------------------------------------------------- */

/* Linux 4.9 ion.c ion_share_dma_buf_fd: a driver gives a process a
 * dma-buf fd; the process imports it into its own client. */
START_TEST(share_to_a_process)
{
	struct drv d;
	struct kion_handle *h;
	struct sim_proc *p;
	int fd, ion, hp = 0;

	drv_setup(&d);
	p = mt_spawn(&d.w, "player");
	ion = mt_open(&d.w, p);
	h = drv_alloc(d.c, 4096, MT_CARVEOUT);
	fd = kion_share_dma_buf_fd(d.c, h, p);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sim_fd_get_flags(p, fd), SIM_FD_CLOEXEC);
	ck_assert_int_eq(mt_import(p, ion, fd, &hp), 0);
	ck_assert_ptr_eq(mt_handle(p, ion, hp)->buffer, h->buffer);
	ck_assert_int_eq(h->buffer->handle_count, 2);
	ck_assert_uint_eq(h->buffer->ref, 3);
	ck_assert_int_eq(kion_free(d.c, h), 0);
	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_uint_eq(d.w.dev->nbuffers, 0);
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9 ion.c: sharing a handle the client does not have is EINVAL;
 * into a process with no free fd, EMFILE, leaving nothing. */
START_TEST(share_errors)
{
	struct mt_world w;
	struct kion_client *c, *other;
	struct kion_handle *h;
	struct sim_proc *p;

	mt_boot_full(&w, NULL, NULL, 3);
	c = kion_client_create(w.dev, NULL, "vpu");
	other = kion_client_create(w.dev, NULL, "isp");
	p = mt_spawn(&w, "player");
	h = drv_alloc(other, 4096, MT_SYSTEM);
	ck_assert_int_eq(kion_share_dma_buf_fd(c, h, p), -EINVAL);
	ck_assert_int_eq(kion_share_dma_buf_fd(other, h, p), -EMFILE);
	ck_assert_uint_eq(h->buffer->ref, 1);
	ck_assert_uint_eq(w.dev->ndmabufs, 0);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9 ion.c ion_import_dma_buf_fd: a driver imports a process's
 * fd; again gives the same handle with one more kref. */
START_TEST(import_from_a_process)
{
	struct drv d;
	struct kion_handle *h, *h2;
	struct sim_proc *p;
	int ion, id, fd, err = 0;

	drv_setup(&d);
	p = mt_spawn(&d.w, "camera");
	ion = mt_open(&d.w, p);
	id = mt_alloc_ok(p, ion, 4096, MT_MASK(MT_CMA));
	fd = mt_share_ok(p, ion, id);
	h = kion_import_dma_buf_fd(d.c, p, fd, &err);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->kref, 1);
	h2 = kion_import_dma_buf_fd(d.c, p, fd, &err);
	ck_assert_ptr_eq(h, h2);
	ck_assert_uint_eq(h->kref, 2);
	ck_assert_ptr_null(kion_import_dma_buf_fd(d.c, p, 55, &err));
	ck_assert_int_eq(err, -EBADF);
	ck_assert_ptr_null(kion_import_dma_buf_fd(d.c, p, ion, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_uint_eq(d.w.dev->nbuffers, 1);	/* the driver's handle */
	ck_assert_int_eq(kion_free(d.c, h), 0);
	ck_assert_int_eq(kion_free(d.c, h), 0);
	ck_assert_uint_eq(d.w.dev->nbuffers, 0);
	mt_shutdown(&d.w);
}
END_TEST

/* ---- dma_buf_get and attachments -------------------------------------------------------- */

/* Linux 4.9 dma-buf.c dma_buf_get/put: a driver's file reference keeps
 * the dma-buf (and buffer) past the process's close. */
START_TEST(dma_buf_get_holds_the_file)
{
	struct drv d;
	struct kion_dmabuf *db;
	struct sim_proc *p;
	int ion, fd, err = 0;

	drv_setup(&d);
	p = mt_spawn(&d.w, "app");
	ion = mt_open(&d.w, p);
	fd = mt_share_ok(p, ion, mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM)));
	db = kion_dma_buf_get(p, fd, &err);
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(db->kernel_refs, 1);
	ck_assert_uint_eq(db->file->count, 2);
	ck_assert_ptr_null(kion_dma_buf_get(p, 99, &err));
	ck_assert_int_eq(err, -EBADF);
	ck_assert_ptr_null(kion_dma_buf_get(p, 0, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_uint_eq(d.w.dev->nbuffers, 1);
	ck_assert_int_eq(kion_dma_buf_begin_cpu_access(db), 0);
	ck_assert_int_eq(db->buffer->hb.kmap_cnt, 1);
	ck_assert_int_eq(kion_dma_buf_end_cpu_access(db), 0);
	kion_dma_buf_put(db);
	ck_assert_uint_eq(d.w.dev->nbuffers, 0);
	mt_shutdown(&d.w);
}
END_TEST

/* Linux 4.9 dma-buf.c attach/detach/map/unmap: attachments newest first;
 * mapped ones counted; a release with attachments left frees them. */
START_TEST(attachments)
{
	struct drv d;
	struct kion_attachment *a1, *a2;
	struct kion_dmabuf *db;
	struct sim_proc *p;
	unsigned long warnings;
	int ion, fd, err = 0;

	drv_setup(&d);
	p = mt_spawn(&d.w, "app");
	ion = mt_open(&d.w, p);
	fd = mt_share_ok(p, ion, mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM)));
	db = kion_dma_buf_get(p, fd, &err);
	a1 = kion_dma_buf_attach(db, "soc:gpu", &err);
	a2 = kion_dma_buf_attach(db, "soc:vpu", &err);
	ck_assert_ptr_nonnull(a1);
	ck_assert_ptr_nonnull(a2);
	ck_assert_ptr_null(kion_dma_buf_attach(db, NULL, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_ptr_eq(db->attachments, a2);
	ck_assert_uint_eq(db->nattach, 2);
	ck_assert_int_eq(kion_dma_buf_map_attachment(a1), 0);
	ck_assert_int_eq(kion_dma_buf_map_attachment(a1), 0);
	ck_assert_int_eq(db->buffer->dmap_cnt, 1);
	kion_dma_buf_unmap_attachment(a1);
	ck_assert_int_eq(db->buffer->dmap_cnt, 0);
	warnings = d.w.dev->warnings;
	kion_dma_buf_unmap_attachment(a1);
	ck_assert_uint_eq(d.w.dev->warnings, warnings + 1);
	kion_dma_buf_detach(a1);
	ck_assert_uint_eq(db->nattach, 1);
	ck_assert_ptr_eq(db->attachments, a2);
	ck_assert_int_eq(kion_dma_buf_map_attachment(a2), 0);
	/* The driver drops its reference still attached (and mapped). */
	ck_assert_int_eq(sim_proc_exit(p), 0);
	kion_dma_buf_put(db);
	ck_assert_uint_eq(d.w.dev->ndmabufs, 0);
	ck_assert_uint_eq(d.w.dev->warnings, warnings + 2);
	mt_shutdown(&d.w);
}
END_TEST

/* ---- the device ------------------------------------------------------------------------------ */

/* kion_device_create: heaps by descending id; lookups by name; nodes. */
START_TEST(device_heaps_and_nodes)
{
	struct mt_world w;
	struct heap *sys;
	int i;

	mt_boot(&w);
	ck_assert_uint_eq(w.dev->nheaps, 5);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(heap_id(w.dev->heaps[i]), 4 - i);
	sys = kion_heap_by_name(w.dev, "system");
	ck_assert_ptr_nonnull(sys);
	ck_assert_ptr_null(kion_heap_by_name(w.dev, "nope"));
	ck_assert_int_eq(kion_dmaheap_add(w.dev, "system", sys), 0);
	ck_assert_int_eq(kion_dmaheap_add(w.dev, "system", sys), -EEXIST);
	for (i = 1; i < KION_MAX_DMAHEAPS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(kion_dmaheap_add(w.dev, name, sys), 0);
	}
	ck_assert_int_eq(kion_dmaheap_add(w.dev, "full", sys), -ENOSPC);
	mt_shutdown(&w);
}
END_TEST

/* kion_device_create: the defect set and kref width resolved; a failed
 * creation (no memory for the device) leaves nothing. */
START_TEST(device_config_resolution)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_45 };
	struct heap_board board;
	struct sim_machine *m;
	struct kion_device *dev;
	int err = 0;

	heap_board_default(&board);
	board.n = 2;	/* system and system_contig: no regions needed */
	m = test_boot(NULL);
	dev = kion_device_create(m, &cfg, &board, &err);
	ck_assert_uint_eq(dev->cfg.bugs, kion_kernel_bugs(KION_KERNEL_4_9_45));
	ck_assert_uint_eq(dev->cfg.kref_bits, 32);
	ck_assert_uint_eq(dev->kref_mask, ~0u);
	kion_device_destroy(dev);
	cfg.bugs = KION_BUGS_EXACT;
	cfg.kref_bits = 3;
	dev = kion_device_create(m, &cfg, &board, &err);
	ck_assert_uint_eq(dev->cfg.bugs, 0);
	ck_assert_uint_eq(dev->kref_mask, 7);
	kion_device_destroy(dev);
	ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_KOBJ, 1), 0);
	ck_assert_ptr_null(kion_device_create(m, &cfg, &board, &err));
	ck_assert_int_eq(err, -ENOMEM);
	test_shutdown(m);
}
END_TEST

/* The modern /dev/ion belongs to ioctl_modern.c: until it is linked in,
 * opening it is ENODEV. */
/* 4.12+: an open of /dev/ion makes no client; the file speaks the
 * modern ABI (Linux 4.19 ion.c has no open/release fops). */
START_TEST(modern_open_makes_no_client)
{
	struct kion_config cfg = { .abi = KION_ABI_MODERN,
				   .kernel = KION_KERNEL_4_19 };
	struct mt_world w;
	struct sim_proc *p;
	int fd;

	mt_boot_full(&w, &cfg, NULL, 0);
	p = mt_spawn(&w, "app");
	fd = kion_ion_open(w.dev, p, SIM_O_RDWR);
	ck_assert_int_ge(fd, 3);
	ck_assert_uint_eq(w.dev->nclients, 0);
	ck_assert_ptr_eq(sim_fd_peek(p, fd)->ops, &kion_ion_modern_fops);
	mt_shutdown(&w);
}
END_TEST

/* kion_device_destroy: a driver's client with handles and mappings, a
 * dma_buf_get still held, and a buffer a refcount bug leaked all go. */
START_TEST(device_destroy_frees_everything_left)
{
	struct drv d;
	struct kion_handle *h;
	struct sim_proc *p;
	int err = 0, ion, fd;

	drv_setup(&d);
	h = drv_alloc(d.c, 4096, MT_CARVEOUT);
	ck_assert_ptr_nonnull(kion_map_kernel(d.c, h, &err));
	p = mt_spawn(&d.w, "app");
	ion = mt_open(&d.w, p);
	fd = mt_share_ok(p, ion, mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM)));
	ck_assert_ptr_nonnull(kion_dma_buf_get(p, fd, &err));
	h = drv_alloc(d.c, 4096, MT_CONTIG);
	h->buffer->ref++;	/* as a refcount defect would leave it */
	mt_shutdown(&d.w);
}
END_TEST

/* ---- narration ------------------------------------------------------------------------------------ */

static char story[4096];
static size_t told_len;

static void tell(void *ctx, const char *func, const char *what)
{
	int n = snprintf(story + told_len, sizeof(story) - told_len, "%s: %s\n",
			 func, what);

	if (n > 0 && (size_t)n < sizeof(story) - told_len)
		told_len += (size_t)n;
}

/* Every reference change is told with serials only, the same in every
 * run: SHARE's export names the dma-buf and the buffer kref it takes. */
START_TEST(trace_narrates_reference_changes)
{
	struct mt_world w;
	struct sim_proc *p;
	int ion, h;

	mt_boot(&w);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	h = mt_alloc_ok(p, ion, 4096, MT_MASK(MT_CONTIG));
	told_len = 0;
	kion_set_trace(w.dev, tell, NULL);
	mt_share_ok(p, ion, h);
	kion_set_trace(w.dev, NULL, NULL);
	ck_assert_str_eq(story,
		"ion_handle_get: client 1 handle 1 ref 1 -> 2\n"
		"ion_buffer_get: buffer 1 ref 1 -> 2\n"
		"dma_buf_export: dma_buf 1 created for buffer 1\n"
		"ion_share_dma_buf_fd: dma_buf 1 installed as fd 4 of pid 100\n"
		"ion_handle_put: client 1 handle 1 ref 2 -> 1\n");
	told_len = 0;
	story[0] = '\0';
	mt_free(p, ion, h);	/* no hook: nothing told */
	ck_assert_str_eq(story, "");
	mt_shutdown(&w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/kapi");
	TCase *tc = tcase_create("clients");

	tcase_add_test(tc, driver_client_alloc_and_free);
	tcase_add_test(tc, driver_free_of_foreign_handle_is_einval);
	tcase_add_test(tc, driver_alloc_errors);
	tcase_add_test(tc, driver_handle_get_by_id_and_put);
	suite_add_tcase(s, tc);

	tc = tcase_create("mappings");
	tcase_add_test(tc, map_kernel_counts);
	tcase_add_test(tc, map_kernel_foreign_handle_is_einval);
	tcase_add_test(tc, map_kernel_handle_count_at_int_max);
	tcase_add_test(tc, phys_of_contiguous_heaps_only);
	tcase_add_test(tc, sg_table_runs);
	suite_add_tcase(s, tc);

	tc = tcase_create("dma_buf");
	tcase_add_test(tc, share_to_a_process);
	tcase_add_test(tc, share_errors);
	tcase_add_test(tc, import_from_a_process);
	tcase_add_test(tc, dma_buf_get_holds_the_file);
	tcase_add_test(tc, attachments);
	suite_add_tcase(s, tc);

	tc = tcase_create("device");
	tcase_add_test(tc, device_heaps_and_nodes);
	tcase_add_test(tc, device_config_resolution);
	tcase_add_test(tc, modern_open_makes_no_client);
	tcase_add_test(tc, device_destroy_frees_everything_left);
	tcase_add_test(tc, trace_narrates_reference_changes);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
