/*
 * tests/model/modelutil.h - what the model suites share: a machine with
 * an ION device on a board, processes, and userspace's side of the
 * legacy ioctls, called through the /dev/ion file's ops as a process's
 * ioctl(2) would reach them.
 *
 * Header-only (tests/CMakeLists.txt builds each test_*.c alone); every
 * helper is static inline so a suite that does not use one pays nothing.
 */
#ifndef IONSIM_TESTS_MODELUTIL_H
#define IONSIM_TESTS_MODELUTIL_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "ionsim/uapi/dma-buf.h"
#include "ionsim/uapi/ion.h"
#include "model/kion.h"
#include "testlib.h"

#define MT_PAGE SIM_PAGE_SIZE
#define MT_M (1ULL << 20)

/* Default board heap ids (SCENARIO.md). */
enum { MT_SYSTEM = 0, MT_CONTIG = 1, MT_CARVEOUT = 2, MT_CHUNK = 3, MT_CMA = 4 };
#define MT_MASK(id) (1u << (id))

/* A machine with ION on it. */
struct mt_world {
	struct sim_machine *m;
	struct kion_device *dev;
	struct heap_board board;
};

/* Append a heap to @board with the type's defaults. */
static inline struct heap_config *mt_board_add(struct heap_board *board,
					       const char *name,
					       enum heap_type type,
					       unsigned int id, uint64_t size)
{
	struct heap_config *cfg = &board->heaps[board->n++];

	heap_config_defaults(cfg, type);
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	cfg->id = id;
	cfg->size = size;
	if (type == HEAP_TYPE_CHUNK)
		cfg->chunk = 64 << 10;
	return cfg;
}

/* Boot @board (NULL: the default board) with @cfg (NULL: 4.9.337),
 * @nofile fds per process (0: the default). */
static inline void mt_boot_full(struct mt_world *w,
				const struct kion_config *cfg,
				const struct heap_board *board,
				unsigned int nofile)
{
	struct kion_config def = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_337 };
	struct sim_config sc;
	int bad = -1, err = 0;

	memset(w, 0, sizeof(*w));
	if (board)
		w->board = *board;
	else
		heap_board_default(&w->board);
	sim_config_default(&sc);
	if (nofile)
		sc.nofile = nofile;
	ck_assert_int_eq(heap_board_reserve(&w->board, &sc, &bad), 0);
	w->m = test_boot(&sc);
	w->dev = kion_device_create(w->m, cfg ? cfg : &def, &w->board, &err);
	ck_assert_msg(w->dev != NULL, "kion_device_create: %d", err);
}

static inline void mt_boot(struct mt_world *w)
{
	mt_boot_full(w, NULL, NULL, 0);
}

/* Boot the default board with release @kernel's defects. */
static inline void mt_boot_kernel(struct mt_world *w, enum kion_kernel kernel)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY, .kernel = kernel };

	mt_boot_full(w, &cfg, NULL, 0);
}

/* Tear down ION, then the machine; fails if a kernel object leaked. */
static inline void mt_shutdown(struct mt_world *w)
{
	kion_device_destroy(w->dev);
	test_shutdown(w->m);
}

static inline struct sim_proc *mt_spawn(struct mt_world *w, const char *name)
{
	int err = 0;
	struct sim_proc *p = sim_proc_spawn(w->m, name, 0, &err);

	ck_assert_msg(p != NULL, "spawn: %d", err);
	return p;
}

/* open("/dev/ion", O_RDWR) in @p; asserts success. */
static inline int mt_open(struct mt_world *w, struct sim_proc *p)
{
	int fd = kion_ion_open(w->dev, p, SIM_O_RDWR);

	ck_assert_int_ge(fd, 0);
	return fd;
}

/* ioctl(2) from @p's main thread: the file's own op, under an fget. */
static inline long mt_ioctl(struct sim_proc *p, int fd, unsigned long cmd,
			    void *arg)
{
	struct sim_file *f = sim_fget(p, fd);
	long ret;

	if (!f)
		return -EBADF;
	ret = f->ops->ioctl ? f->ops->ioctl(f, sim_proc_main_thread(p), cmd,
					    (unsigned long)arg) : -ENOTTY;
	sim_file_put(f);
	return ret;
}

static inline long mt_alloc(struct sim_proc *p, int fd, uint64_t len,
			    unsigned int mask, unsigned int flags, int *handle)
{
	struct ion_allocation_data a = { .len = len, .heap_id_mask = mask,
					 .flags = flags };
	long ret = mt_ioctl(p, fd, ION_IOC_ALLOC, &a);

	if (handle)
		*handle = a.handle;
	return ret;
}

/* ALLOC that must succeed: the handle id. */
static inline int mt_alloc_ok(struct sim_proc *p, int fd, uint64_t len,
			      unsigned int mask)
{
	int h = 0;

	ck_assert_int_eq(mt_alloc(p, fd, len, mask, 0, &h), 0);
	return h;
}

static inline long mt_free(struct sim_proc *p, int fd, int handle)
{
	struct ion_handle_data d = { .handle = handle };

	return mt_ioctl(p, fd, ION_IOC_FREE, &d);
}

static inline long mt_share(struct sim_proc *p, int fd, int handle, int *out)
{
	struct ion_fd_data d = { .handle = handle, .fd = 0 };
	long ret = mt_ioctl(p, fd, ION_IOC_SHARE, &d);

	if (out)
		*out = d.fd;
	return ret;
}

/* SHARE that must succeed: the dma-buf fd. */
static inline int mt_share_ok(struct sim_proc *p, int fd, int handle)
{
	int out = -1;

	ck_assert_int_eq(mt_share(p, fd, handle, &out), 0);
	ck_assert_int_ge(out, 0);
	return out;
}

static inline long mt_import(struct sim_proc *p, int fd, int dbfd,
			     int *handle)
{
	struct ion_fd_data d = { .handle = 0, .fd = dbfd };
	long ret = mt_ioctl(p, fd, ION_IOC_IMPORT, &d);

	if (handle)
		*handle = d.handle;
	return ret;
}

/* DMA_BUF_IOCTL_SYNC with @flags on dma-buf fd @fd. */
static inline long mt_cpu_sync(struct sim_proc *p, int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return mt_ioctl(p, fd, DMA_BUF_IOCTL_SYNC, &s);
}

static inline struct kion_client *mt_client(struct sim_proc *p, int fd)
{
	struct kion_client *c = kion_client_from_file(sim_fd_peek(p, fd));

	ck_assert_ptr_nonnull(c);
	return c;
}

/* The handle with @id in @p's client on @fd, borrowed, or NULL. */
static inline struct kion_handle *mt_handle(struct sim_proc *p, int fd, int id)
{
	struct kion_client *c = mt_client(p, fd);
	struct kion_handle key = { .id = id };

	return RB_FIND(kion_handle_by_id, &c->idr, &key);
}

/* The buffer behind dma-buf fd @fd of @p. */
static inline struct kion_buffer *mt_fd_buffer(struct sim_proc *p, int fd)
{
	struct kion_dmabuf *db = kion_dmabuf_from_file(sim_fd_peek(p, fd));

	ck_assert_ptr_nonnull(db);
	return db->buffer;
}

/* The live buffer with creation serial @serial, or NULL. */
static inline struct kion_buffer *mt_buffer(struct mt_world *w,
					    uint64_t serial)
{
	struct kion_buffer key = { .serial = serial };

	return RB_FIND(kion_buffer_tree, &w->dev->buffers, &key);
}

static inline struct heap_metrics mt_metrics(struct mt_world *w,
					     const char *heap)
{
	struct heap_metrics mt;
	struct heap *h = kion_heap_by_name(w->dev, heap);

	ck_assert_ptr_nonnull(h);
	memset(&mt, 0, sizeof(mt));
	heap_metrics(h, &mt);
	return mt;
}

/* mmap of @len bytes of dma-buf fd @fd, shared, with @prot. */
static inline struct sim_vma *mt_mmap(struct sim_proc *p, int fd, uint64_t len,
				      int prot)
{
	struct sim_vma *vma = NULL;

	ck_assert_int_eq(sim_mmap(p, fd, len, prot, SIM_MAP_SHARED, 0, &vma), 0);
	return vma;
}


/* A host page no copy can touch (PROT_NONE): EFAULT both ways.  Give it
 * back with munmap(p, 4096). */
static inline void *mt_bad_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

/* A read-only host page holding @len bytes of @src: an ioctl's copy in
 * works and its copy back faults.  Give it back with munmap(p, 4096). */
static inline void *mt_ro_page(const void *src, size_t len)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	memcpy(p, src, len);
	ck_assert_int_eq(mprotect(p, 4096, PROT_READ), 0);
	return p;
}


/* Nothing of a failed allocation is left: no buffer, no dma-buf, and no
 * live buffer on @heap. */
static inline void mt_assert_nothing_allocated(struct mt_world *w,
					       const char *heap)
{
	ck_assert_uint_eq(w->dev->nbuffers, 0);
	ck_assert_uint_eq(w->dev->ndmabufs, 0);
	ck_assert_uint_eq(mt_metrics(w, heap).live, 0);
}

/* A fault hook (ctx: the mt_world) failing every kernel object once a
 * buffer exists: the dma-buf export that follows an allocation. */
static inline bool mt_fail_kobj_after_buffer(void *ctx,
					     enum sim_fault_kind kind)
{
	struct mt_world *w = ctx;

	return kind == SIM_FAULT_KOBJ && w->dev->nbuffers > 0;
}

#endif /* IONSIM_TESTS_MODELUTIL_H */
