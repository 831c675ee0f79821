/*
 * tests/model/test_debugfs.c - the debugfs and procfs views, byte for
 * byte against the golden files in tests/model/golden/.  The golden
 * files were written by hand from the kernels' format strings, never by
 * saving this code's output, for states built here with the model API:
 * two processes with handles on two heaps, an orphan kept by a dma-buf
 * fd, deferred buffers, the system heap's pools after a drain, a
 * driver's client, a dma-buf with attachments, and fdinfo of each kind
 * of fd; then the modern ABI's few files, and the 5.10 formats a board
 * with DMA-BUF heaps gets.
 * Kernel reference: Linux 4.9 ion.c (ion_debug_heap_show,
 * ion_debug_client_show, debug_shrink_get), 4.9 and 4.19 dma-buf.c
 * (dma_buf_debug_show), 5.10 dma-buf.c (dma_buf_debug_show,
 * dma_buf_show_fdinfo), fs/proc/fd.c (seq_show), fs/file_table.c
 * (alloc_file's FMODE_OPENED, 4.18+).
 */
#include <stdlib.h>

#include "modelutil.h"

#define DBG "/sys/kernel/debug/"

static const char ion[] = KION_EXP_NAME;
static const char helpers[] = "heap_helpers";	/* 5.10's heap-helpers.o */

/* ---- capture and comparison ---------------------------------------- */

/* What kion_debugfs_show prints at @path; *@ret gets its return. */
static char *capture(struct kion_device *dev, const char *path, int *ret)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	*ret = kion_debugfs_show(dev, path, f);
	fclose(f);
	return text;
}

static char *read_golden(const char *name)
{
	const char *dir = getenv("IONSIM_TEST_DATA");
	char path[512];
	char *text = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *in, *out;

	ck_assert_msg(dir != NULL, "IONSIM_TEST_DATA is not set");
	snprintf(path, sizeof(path), "%s/model/golden/%s.txt", dir, name);
	in = fopen(path, "r");
	ck_assert_msg(in != NULL, "cannot open %s", path);
	out = open_memstream(&text, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(in);
	fclose(out);
	return text;
}

/* Byte for byte; on a difference, say where and show both. */
static void assert_same(const char *got, const char *want, const char *name)
{
	size_t i = 0;

	while (got[i] && got[i] == want[i])
		i++;
	if (got[i] == want[i])
		return;
	fprintf(stderr, "---- %s: expected ----\n%s---- got ----\n%s----\n",
		name, want, got);
	ck_abort_msg("%s differs from its golden file at byte %zu", name, i);
}

/* @path shows exactly golden file @name. */
static void assert_view(struct kion_device *dev, const char *path,
			const char *name)
{
	int ret = 1;
	char *got = capture(dev, path, &ret);
	char *want = read_golden(name);

	ck_assert_msg(ret == 0, "%s: %d", path, ret);
	assert_same(got, want, name);
	free(got);
	free(want);
}

/* @path does not exist, and nothing is printed for it. */
static void assert_enoent(struct kion_device *dev, const char *path)
{
	int ret = 0;
	char *got = capture(dev, path, &ret);

	ck_assert_msg(ret == -ENOENT, "%s: %d, not -ENOENT", path, ret);
	ck_assert_str_eq(got, "");
	free(got);
}

static void assert_audit_clean(struct kion_device *dev)
{
	ck_assert_int_eq(kion_audit(dev, stderr), 0);
}

/* ---- the legacy phone ------------------------------------------------ */

/*
 * camera (pid 100) and surfaceflinger (101), each with /dev/ion on fd 3,
 * and the driver "vpu":
 *  buffer 1  camera  system   1M   handle 1, later shared (fd 5) to sf
 *  buffer 2  camera  carveout 64K  handle 2
 *  buffer 3  sf      system   2M   handle 1
 *  buffer 4  sf      carveout 128K handle 2
 *  buffer 5  camera  carveout 8K   shared (fd 4), handle freed: orphan
 *  buffer 6  camera  carveout 16K  freed: on carveout's deferred list
 *  buffer 7  sf      system   68K  freed and drained: one order-4 and
 *                                  one order-0 block in uncached pools
 *  buffer 8  sf      system   4K   cached, freed: on system's list
 *  buffer 9  vpu     chunk    4K   the driver's handle 1
 * Buffer 1's dma-buf is also on sf's fd 4, mapped by sf, and held by the
 * driver with two attachments ("soc:gpu" mapped, then "soc:isp").
 */
struct phone {
	struct mt_world w;
	struct sim_proc *cam, *sf;
	int cam_ion, sf_ion;
	int orphan_fd, shared_fd, sf_fd;
	struct kion_client *vpu;
	struct kion_dmabuf *held;
	struct kion_attachment *gpu, *isp;
};

static void phone_handles(struct phone *t)
{
	int h;

	const unsigned int sys = MT_MASK(MT_SYSTEM), co = MT_MASK(MT_CARVEOUT);

	ck_assert_int_eq(mt_alloc_ok(t->cam, t->cam_ion, MT_M, sys), 1);
	ck_assert_int_eq(mt_alloc_ok(t->cam, t->cam_ion, 64 << 10, co), 2);
	ck_assert_int_eq(mt_alloc_ok(t->sf, t->sf_ion, 2 * MT_M, sys), 1);
	ck_assert_int_eq(mt_alloc_ok(t->sf, t->sf_ion, 128 << 10, co), 2);
	h = mt_alloc_ok(t->cam, t->cam_ion, 8192, MT_MASK(MT_CARVEOUT));
	t->orphan_fd = mt_share_ok(t->cam, t->cam_ion, h);
	ck_assert_int_eq(t->orphan_fd, 4);
	ck_assert_int_eq(mt_free(t->cam, t->cam_ion, h), 0);
	h = mt_alloc_ok(t->cam, t->cam_ion, 16384, MT_MASK(MT_CARVEOUT));
	ck_assert_int_eq(mt_free(t->cam, t->cam_ion, h), 0);
}

/* The system heap's pools and deferred list. */
static void phone_system_frees(struct phone *t)
{
	int h7, h8 = 0;

	h7 = mt_alloc_ok(t->sf, t->sf_ion, 69632, MT_MASK(MT_SYSTEM));
	ck_assert_int_eq(mt_alloc(t->sf, t->sf_ion, 4096, MT_MASK(MT_SYSTEM),
				  ION_FLAG_CACHED, &h8), 0);
	ck_assert_int_eq(mt_free(t->sf, t->sf_ion, h7), 0);
	heap_drain(kion_heap_by_name(t->w.dev, "system"), 0);
	ck_assert_int_eq(mt_free(t->sf, t->sf_ion, h8), 0);
}

static void phone_driver(struct phone *t)
{
	int err = 0;

	t->vpu = kion_client_create(t->w.dev, NULL, "vpu");
	ck_assert_ptr_nonnull(t->vpu);
	ck_assert_ptr_nonnull(kion_alloc(t->vpu, 4096, 0, MT_MASK(MT_CHUNK), 0,
					 &err));
	t->shared_fd = mt_share_ok(t->cam, t->cam_ion, 1);
	t->sf_fd = sim_fd_send(t->cam, t->shared_fd, t->sf);
	ck_assert_int_eq(t->sf_fd, 4);
	mt_mmap(t->sf, t->sf_fd, 4096, SIM_PROT_READ | SIM_PROT_WRITE);
	t->held = kion_dma_buf_get(t->cam, t->shared_fd, &err);
	ck_assert_ptr_nonnull(t->held);
	t->gpu = kion_dma_buf_attach(t->held, "soc:gpu", &err);
	ck_assert_int_eq(kion_dma_buf_map_attachment(t->gpu), 0);
	t->isp = kion_dma_buf_attach(t->held, "soc:isp", &err);
	ck_assert_ptr_nonnull(t->isp);
}

static void phone_setup(struct phone *t)
{
	mt_boot(&t->w);
	t->cam = mt_spawn(&t->w, "camera");
	t->sf = mt_spawn(&t->w, "surfaceflinger");
	ck_assert_int_eq(sim_proc_pid(t->cam), 100);
	t->cam_ion = mt_open(&t->w, t->cam);
	t->sf_ion = mt_open(&t->w, t->sf);
	phone_handles(t);
	phone_system_frees(t);
	phone_driver(t);
	assert_audit_clean(t->w.dev);
}

static void phone_teardown(struct phone *t)
{
	kion_dma_buf_unmap_attachment(t->gpu);
	kion_dma_buf_detach(t->gpu);
	kion_dma_buf_detach(t->isp);
	kion_dma_buf_put(t->held);
	assert_audit_clean(t->w.dev);
	mt_shutdown(&t->w);
}

/* ---- legacy views ----------------------------------------------------- */

/* Linux 4.9 ion.c ion_debug_heap_show: clients by creation, orphans with
 * their last holder, totals, deferred free for DEFER_FREE heaps only,
 * then the system heap's pool lines. */
START_TEST(heap_files)
{
	struct phone t;

	phone_setup(&t);
	assert_view(t.w.dev, DBG "ion/heaps/system", "heap_system");
	assert_view(t.w.dev, DBG "ion/heaps/carveout", "heap_carveout");
	assert_view(t.w.dev, DBG "ion/heaps/system_contig",
		    "heap_system_contig");
	assert_view(t.w.dev, DBG "ion/heaps/chunk", "heap_chunk");
	phone_teardown(&t);
}
END_TEST

/* Linux 4.9 ion.c debug_shrink_get: the shrinker's count, for heaps that
 * have one (DEFER_FREE, or a shrink op: the system heap's pools). */
START_TEST(shrink_files)
{
	struct phone t;

	phone_setup(&t);
	assert_view(t.w.dev, DBG "ion/heaps/system_shrink", "shrink_system");
	assert_view(t.w.dev, DBG "ion/heaps/carveout_shrink",
		    "shrink_carveout");
	assert_enoent(t.w.dev, DBG "ion/heaps/system_contig_shrink");
	assert_enoent(t.w.dev, DBG "ion/heaps/cma_shrink");
	assert_enoent(t.w.dev, DBG "ion/system_shrink");
	phone_teardown(&t);
}
END_TEST

/* Linux 4.9 ion.c ion_debug_client_show: heaps in id order, only those
 * the client holds handles on; a driver's client too. */
START_TEST(client_files)
{
	struct phone t;

	phone_setup(&t);
	assert_view(t.w.dev, DBG "ion/clients/100-0", "client_camera");
	assert_view(t.w.dev, DBG "ion/clients/101-0", "client_surfaceflinger");
	assert_view(t.w.dev, DBG "ion/clients/vpu-0", "client_vpu");
	assert_enoent(t.w.dev, DBG "ion/clients/100-1");
	assert_enoent(t.w.dev, DBG "ion/clients/");
	phone_teardown(&t);
}
END_TEST

/* Linux 4.9 ion.c: a client file read after its client was destroyed
 * says so (the serial standing for the kernel's pointer); the path is
 * gone for new readers. */
START_TEST(dead_client_line)
{
	struct mt_world w;
	struct sim_proc *p;
	int fd;
	char *text = NULL, *want;
	size_t len = 0;
	FILE *f;

	mt_boot(&w);
	p = mt_spawn(&w, "camera");
	fd = mt_open(&w, p);
	ck_assert_int_eq(sim_fd_close(p, fd), 0);
	f = open_memstream(&text, &len);
	ck_assert_int_eq(kion_debugfs_show_client(w.dev, 1, f), 0);
	fclose(f);
	want = read_golden("client_dead");
	assert_same(text, want, "client_dead");
	assert_enoent(w.dev, DBG "ion/clients/100-0");
	free(text);
	free(want);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9 dma-buf.c dma_buf_debug_show: newest first, O_RDWR files
 * with mode READ|WRITE|LSEEK, counts of fds + mappings + kernel refs,
 * attachments newest first. */
START_TEST(bufinfo_4_9)
{
	struct phone t;

	phone_setup(&t);
	assert_view(t.w.dev, DBG "dma_buf/bufinfo", "bufinfo_4_9");
	phone_teardown(&t);
}
END_TEST

/* Linux 4.9 fs/proc/fd.c seq_show: O_CLOEXEC shown per fd (SHARE's fd
 * has it, a received one not), O_LARGEFILE on files opened by path. */
START_TEST(fdinfo_4_9)
{
	struct phone t;

	phone_setup(&t);
	assert_view(t.w.dev, "/proc/100/fdinfo/4", "fdinfo_dmabuf_cloexec");
	assert_view(t.w.dev, "/proc/101/fdinfo/4", "fdinfo_dmabuf_received");
	assert_view(t.w.dev, "/proc/100/fdinfo/3", "fdinfo_dev_ion");
	assert_view(t.w.dev, "/proc/101/fdinfo/0", "fdinfo_tty");
	phone_teardown(&t);
}
END_TEST

/* Paths the device does not have, and names procfs would not accept. */
START_TEST(legacy_enoent)
{
	struct phone t;

	phone_setup(&t);
	assert_enoent(t.w.dev, DBG "ion/heaps/nosuch");
	assert_enoent(t.w.dev, DBG "ion/heaps");
	assert_enoent(t.w.dev, DBG "ion/heaps/");
	assert_enoent(t.w.dev, DBG "ion/heaps/system/");
	assert_enoent(t.w.dev, DBG "ion/system");
	assert_enoent(t.w.dev, DBG "ion/");
	assert_enoent(t.w.dev, DBG "dma_buf/bufinfo2");
	assert_enoent(t.w.dev, "ion/heaps/system");
	assert_enoent(t.w.dev, "/proc/100/fdinfo/99");
	assert_enoent(t.w.dev, "/proc/0100/fdinfo/4");
	assert_enoent(t.w.dev, "/proc/100/fdinfo/04");
	assert_enoent(t.w.dev, "/proc/100/fdinfo/4/");
	assert_enoent(t.w.dev, "/proc/100/fdinfo/");
	assert_enoent(t.w.dev, "/proc/100/fd/4");
	assert_enoent(t.w.dev, "/proc/999/fdinfo/0");
	assert_enoent(t.w.dev, "/proc/99999999999/fdinfo/0");
	ck_assert_int_eq(kion_debugfs_show(t.w.dev, NULL, stdout), -ENOENT);
	phone_teardown(&t);
}
END_TEST

/* Linux 4.9 fs/proc: an exited process has no fdinfo, and its orphan
 * names it as the last holder (ion_buffer_remove_from_handle). */
START_TEST(exited_process)
{
	struct phone t;

	phone_setup(&t);
	ck_assert_int_eq(sim_proc_exit(t.cam), 0);
	assert_enoent(t.w.dev, "/proc/100/fdinfo/0");
	assert_enoent(t.w.dev, DBG "ion/clients/100-0");
	assert_audit_clean(t.w.dev);
	/* buffer 1 lives on through sf's fd and mapping and the driver */
	ck_assert_str_eq(mt_buffer(&t.w, 1)->task_comm, "camera");
	phone_teardown(&t);
}
END_TEST

/* ---- the modern ABI ----------------------------------------------------- */

/* ION 4.12+'s ALLOC, through the core: a buffer whose one dma-buf (O_RDWR,
 * exporter @exp) is installed with O_CLOEXEC. */
static int modern_alloc(struct mt_world *w, struct sim_proc *p, uint64_t len,
			unsigned int id, const char *exp)
{
	struct kion_buffer *b;
	struct kion_dmabuf *db;
	int err = 0, fd;

	b = kion_buffer_alloc(w->dev, len, 0, MT_MASK(id), 0, sim_proc_name(p),
			      sim_proc_pid(p), &err);
	ck_assert_msg(b != NULL, "alloc: %d", err);
	db = kion_dmabuf_wrap(b, exp, SIM_O_RDWR, &err);
	ck_assert_ptr_nonnull(db);
	b->modern_dmabuf = db;
	fd = sim_fd_install(p, db->file, SIM_O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* /dev/dma_heap/system over the system heap. */
static void add_system_node(struct kion_device *dev)
{
	struct heap *system = kion_heap_by_name(dev, "system");

	ck_assert_int_eq(kion_dmaheap_add(dev, "system", system), 0);
}

static void boot_modern(struct mt_world *w)
{
	struct kion_config cfg = { .abi = KION_ABI_MODERN,
				   .kernel = KION_KERNEL_4_19 };

	mt_boot_full(w, &cfg, NULL, 0);
}

/* Linux 4.19 dma-buf.c: the header padded to 8, rows as 4.9's, the mode
 * with FMODE_OPENED (fs/file_table.c alloc_file, 4.18+). */
START_TEST(bufinfo_4_19)
{
	struct mt_world w;
	struct sim_proc *p;
	int fd;

	boot_modern(&w);
	p = mt_spawn(&w, "camera");
	ck_assert_int_eq(modern_alloc(&w, p, MT_M, MT_SYSTEM, ion), 3);
	fd = modern_alloc(&w, p, 64 << 10, MT_CARVEOUT, ion);
	ck_assert_int_eq(sim_fd_dup(p, fd), 5);
	assert_audit_clean(w.dev);
	assert_view(w.dev, DBG "dma_buf/bufinfo", "bufinfo_4_19");
	assert_view(w.dev, "/proc/100/fdinfo/3", "fdinfo_dmabuf_cloexec");
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.19 ion.c ion_device_add_heap: NAME_shrink directly under ion/;
 * no heaps/ or clients/ (ION-SPEC 6.3). */
START_TEST(modern_ion_dir)
{
	struct mt_world w;
	struct sim_proc *p;
	FILE *null = fopen("/dev/null", "w");

	boot_modern(&w);
	p = mt_spawn(&w, "camera");
	ck_assert_int_eq(modern_alloc(&w, p, MT_M, MT_SYSTEM, ion), 3);
	/* freed onto the deferred list: 256 pages */
	ck_assert_int_eq(sim_fd_close(p, 3), 0);
	assert_view(w.dev, DBG "ion/system_shrink", "shrink_modern_system");
	assert_enoent(w.dev, DBG "ion/heaps/system");
	assert_enoent(w.dev, DBG "ion/heaps/system_shrink");
	assert_enoent(w.dev, DBG "ion/clients/100-0");
	assert_enoent(w.dev, DBG "ion/system");
	assert_enoent(w.dev, DBG "ion/system_contig_shrink");
	ck_assert_int_eq(kion_debugfs_show_client(w.dev, 1, null), -ENOENT);
	fclose(null);
	assert_audit_clean(w.dev);
	mt_shutdown(&w);
}
END_TEST

/* Linux 5.10 dma-buf.c: with DMA-BUF heaps on the board the machine is a
 * 5.10 one: bufinfo's ino and name columns, dma_buf_show_fdinfo's size,
 * count and exp_name lines, and ion.c's per-heap directories. */
START_TEST(dmaheap_5_10)
{
	struct mt_world w;
	struct sim_proc *p;

	boot_modern(&w);
	add_system_node(w.dev);
	p = mt_spawn(&w, "camera");
	ck_assert_int_eq(modern_alloc(&w, p, 4096, MT_SYSTEM, ion), 3);
	ck_assert_int_eq(modern_alloc(&w, p, 8192, MT_SYSTEM, helpers), 4);
	assert_view(w.dev, DBG "dma_buf/bufinfo", "bufinfo_5_10");
	assert_view(w.dev, "/proc/100/fdinfo/4", "fdinfo_5_10");
	/* 5.10 ion.c ion_device_add_heap: the shrink file in the heap's
	 * own directory; system's deferred list and pools are empty */
	assert_view(w.dev, DBG "ion/system/system_shrink", "shrink_empty");
	assert_enoent(w.dev, DBG "ion/system_shrink");
	assert_enoent(w.dev, DBG "ion/system/carveout_shrink");
	assert_enoent(w.dev, DBG "ion/system/");
	assert_enoent(w.dev, DBG "ion/system_contig/system_contig_shrink");
	assert_audit_clean(w.dev);
	mt_shutdown(&w);
}
END_TEST

/* DMA-BUF heap buffers are not ION's: a legacy heap file leaves them out
 * (they have no handle, and would otherwise pass for orphans). */
START_TEST(dmaheap_buffers_not_in_ion_heap_file)
{
	struct mt_world w;
	struct sim_proc *p;
	char *before, *after;
	int ret = 1;

	mt_boot(&w);
	add_system_node(w.dev);
	p = mt_spawn(&w, "camera");
	before = capture(w.dev, DBG "ion/heaps/system", &ret);
	ck_assert_int_eq(modern_alloc(&w, p, 4096, MT_SYSTEM, helpers), 3);
	after = capture(w.dev, DBG "ion/heaps/system", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	mt_shutdown(&w);
}
END_TEST

/* Linux 4.9 dma-buf.c: nothing exported yet is an empty list. */
START_TEST(empty_bufinfo)
{
	struct mt_world w;
	int ret = 1;
	char *got;

	mt_boot(&w);
	got = capture(w.dev, DBG "dma_buf/bufinfo", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(got, "\nDma-buf Objects:\nsize\tflags\tmode\tcount\t"
			 "exp_name\n\nTotal 0 objects, 0 bytes\n");
	free(got);
	mt_shutdown(&w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/debugfs");
	TCase *tc = tcase_create("legacy");

	tcase_add_test(tc, heap_files);
	tcase_add_test(tc, shrink_files);
	tcase_add_test(tc, client_files);
	tcase_add_test(tc, dead_client_line);
	tcase_add_test(tc, bufinfo_4_9);
	tcase_add_test(tc, fdinfo_4_9);
	tcase_add_test(tc, legacy_enoent);
	tcase_add_test(tc, exited_process);
	tcase_add_test(tc, empty_bufinfo);
	suite_add_tcase(s, tc);

	tc = tcase_create("modern");
	tcase_add_test(tc, bufinfo_4_19);
	tcase_add_test(tc, modern_ion_dir);
	tcase_add_test(tc, dmaheap_5_10);
	tcase_add_test(tc, dmaheap_buffers_not_in_ion_heap_file);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
