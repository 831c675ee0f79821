/*
 * model/device.c - the ION device: its heaps in priority order, the
 * release it imitates (defects included), /dev/ion opens, and teardown.
 *
 * Linux 4.9 keeps the heaps on a plist with priority -id, so the walk of
 * ion_alloc and the list of HEAP_QUERY go from the highest id down, and
 * heaps of equal id keep the order in which the board registered them.
 * The device itself is a kernel object; the heaps are host memory, built
 * once at boot (heaps/ decides that).
 *
 * Teardown is the simulator's, not the kernel's (ion_device_destroy frees
 * nothing): at the end of a run every process exits, which releases what
 * userspace held, and what is left is freed by force, so that a run of a
 * buggy release still ends with every kernel object accounted for.
 */
#include <errno.h>
#include <string.h>

#include "model/kion.h"

/* kion_kernel_bugs - see kion.h.  Every 4.x upstream kept SYNC's
 * unchecked kmap_cnt (Android alone fixed it) and deferred carveout and
 * chunk frees, so those two are in every set. */
unsigned int kion_kernel_bugs(enum kion_kernel kernel)
{
	const unsigned int every = KION_BUG_KMAP_SYNC | KION_BUG_DEFER_CARVEOUT;
	const unsigned int k4_9_45 = every | KION_BUG_SHARE_UNLOCKED |
		KION_BUG_NO_USER_REFS | KION_BUG_ALLOC_UAF |
		KION_BUG_KREF_OVERFLOW | KION_BUG_KMAP_OVERFLOW |
		KION_BUG_QUERY_EINVAL;

	switch (kernel) {
	case KION_KERNEL_4_4:
		return k4_9_45 | KION_BUG_FREE_RACE;
	case KION_KERNEL_4_9_45:
		return k4_9_45;
	case KION_KERNEL_4_9_337:
		return every | KION_BUG_QUERY_EINVAL;
	case KION_KERNEL_4_19:
		return every | KION_BUG_KMAP_OVERFLOW;
	}
	return 0;
}

/* The base set of @cfg, before bugs_on and bugs_off. */
static unsigned int base_bugs(const struct kion_config *cfg)
{
	if (cfg->bugs & KION_BUGS_EXACT)
		return cfg->bugs & ~KION_BUGS_EXACT;
	if (cfg->bugs == 0)
		return kion_kernel_bugs(cfg->kernel);
	return cfg->bugs;
}

/* The configuration as the device runs it: bugs and widths resolved.
 * The adjustments come last, off after on, so that a fix always beats
 * the base and a `bug` line the board later fixed. */
static void resolve_config(struct kion_device *dev,
			   const struct kion_config *cfg)
{
	unsigned int bits = cfg->kref_bits;

	dev->cfg = *cfg;
	dev->cfg.bugs = (base_bugs(cfg) | cfg->bugs_on) & ~cfg->bugs_off;
	if (bits == 0 || bits > 32)
		bits = 32;
	dev->cfg.kref_bits = bits;
	dev->kref_mask = bits == 32 ? ~0u : (1u << bits) - 1;
}

/* Board indices by descending id, equal ids in board order (a stable
 * insertion sort: boards hold at most HEAP_MAX_HEAPS heaps). */
static void priority_order(const struct heap_board *board,
			   unsigned int order[HEAP_MAX_HEAPS])
{
	unsigned int i, j;

	for (i = 0; i < board->n; i++) {
		unsigned int id = board->heaps[i].id;

		for (j = i; j > 0 && board->heaps[order[j - 1]].id < id; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

static void destroy_heaps(struct kion_device *dev)
{
	while (dev->nheaps > 0)
		heap_destroy(dev->heaps[--dev->nheaps]);
}

/* Whether heap @hc frees at once only because the device runs without
 * KION_BUG_DEFER_CARVEOUT: a carveout or chunk heap whose statement did
 * not say defer_free= itself (an explicit choice always wins). */
static bool undeferred(const struct kion_device *dev,
		       const struct heap_config *hc)
{
	if (kion_bug(dev, KION_BUG_DEFER_CARVEOUT) || hc->defer_free_set)
		return false;
	return hc->type == HEAP_TYPE_CARVEOUT || hc->type == HEAP_TYPE_CHUNK;
}

/* heap_create for @hc, with the device's deferred-free choice. */
static struct heap *create_heap(struct kion_device *dev,
				const struct heap_config *hc, int *err)
{
	struct heap_config own;

	if (!undeferred(dev, hc))
		return heap_create(dev->m, hc, err);
	own = *hc;
	own.defer_free = false;
	return heap_create(dev->m, &own, err);
}

/* ion_device_add_heap for each heap of @board, in priority order. */
static int create_heaps(struct kion_device *dev,
			const struct heap_board *board)
{
	unsigned int order[HEAP_MAX_HEAPS];
	unsigned int i;
	int err = 0;

	priority_order(board, order);
	for (i = 0; i < board->n; i++) {
		struct heap *heap = create_heap(dev, &board->heaps[order[i]],
						&err);

		if (!heap) {
			destroy_heaps(dev);
			return err;
		}
		dev->heaps[dev->nheaps++] = heap;
	}
	return 0;
}

/* kion_device_create - see kion.h. */
struct kion_device *kion_device_create(struct sim_machine *m,
				       const struct kion_config *cfg,
				       const struct heap_board *board,
				       int *err)
{
	struct kion_device *dev = sim_kzalloc(m, sizeof(*dev));
	int ret;

	if (!dev) {
		*err = -ENOMEM;
		return NULL;
	}
	dev->m = m;
	resolve_config(dev, cfg);
	RB_INIT(&dev->buffers);
	RB_INIT(&dev->clients);
	sim_mutex_init(&dev->lock, "dev->lock");
	sim_mutex_init(&dev->buffer_lock, "dev->buffer_lock");
	sim_mutex_init(&dev->debugfs_lock, "debugfs_mutex");
	ret = create_heaps(dev, board);
	if (ret) {
		sim_kfree(m, dev);
		*err = ret;
		return NULL;
	}
	*err = 0;
	return dev;
}

/* ---- teardown -------------------------------------------------------------- */

static int exit_process(struct sim_proc *p, void *ctx)
{
	if (sim_proc_alive(p))
		sim_proc_exit(p);
	return 0;
}

/* The first message in flight's token (the visit stops at once). */
static int first_token(int token, struct sim_file *f, void *ctx)
{
	return token;
}

/* Drop every fd passed and not received: each holds a file reference. */
static void drop_inflight(struct sim_machine *m)
{
	int token;

	while ((token = sim_inflight_foreach(m, first_token, NULL)) > 0)
		sim_fd_send_abort(m, token);
}

/* A dma-buf on which a driver still holds a dma_buf_get, or NULL. */
static struct kion_dmabuf *first_held(struct kion_device *dev)
{
	struct kion_dmabuf *db;

	for (db = dev->db_list; db; db = db->db_next)
		if (db->kernel_refs)
			return db;
	return NULL;
}

/* Put every reference drivers still hold.  A put may release a dma-buf
 * and change the list, so each search starts from the head again. */
static void put_kernel_refs(struct kion_device *dev)
{
	struct kion_dmabuf *db;

	while ((db = first_held(dev)))
		kion_dma_buf_put(db);
}

/* Buffers still in dev->buffers now have no holder left: a refcount
 * defect leaked them.  They go to their heaps all the same. */
static void free_leaked_buffers(struct kion_device *dev)
{
	struct kion_buffer *b;

	while ((b = RB_MIN(kion_buffer_tree, &dev->buffers))) {
		kion_tracef(dev, "ion_device_destroy",
			    "buffer %llu leaked with ref %u, freed",
			    (unsigned long long)b->serial, b->ref);
		b->ref = 1;
		kion_buffer_put(b);
	}
}

/* kion_device_destroy - see kion.h. */
void kion_device_destroy(struct kion_device *dev)
{
	struct kion_client *c;

	if (!dev)
		return;
	kion_enter(dev);
	sim_proc_foreach(dev->m, exit_process, NULL);
	drop_inflight(dev->m);
	put_kernel_refs(dev);
	while ((c = RB_MIN(kion_client_tree, &dev->clients)))
		kion_client_destroy(c);
	free_leaked_buffers(dev);
	kion_leave(dev);
	destroy_heaps(dev);
	sim_kfree(dev->m, dev);
}

/* ---- heaps and nodes ------------------------------------------------------------ */

/* kion_heap_by_name - see kion.h. */
struct heap *kion_heap_by_name(struct kion_device *dev, const char *name)
{
	unsigned int i;

	for (i = 0; i < dev->nheaps; i++)
		if (strcmp(heap_name(dev->heaps[i]), name) == 0)
			return dev->heaps[i];
	return NULL;
}

/* kion_dmaheap_add - see kion.h. */
int kion_dmaheap_add(struct kion_device *dev, const char *name,
		     struct heap *heap)
{
	struct kion_dmaheap *node;
	unsigned int i;

	for (i = 0; i < dev->ndmaheaps; i++)
		if (strcmp(dev->dmaheaps[i].name, name) == 0)
			return -EEXIST;
	if (dev->ndmaheaps == KION_MAX_DMAHEAPS)
		return -ENOSPC;
	node = &dev->dmaheaps[dev->ndmaheaps++];
	strncpy(node->name, name, sizeof(node->name) - 1);
	node->name[sizeof(node->name) - 1] = '\0';
	node->heap = heap;
	node->dev = dev;
	return 0;
}

/* ---- /dev/ion ----------------------------------------------------------------------- */

/* A character device's f_mode: the access mode's read/write, plus the
 * seek every chrdev open grants. */
static unsigned int chrdev_f_mode(unsigned int o_flags)
{
	unsigned int acc = o_flags & SIM_O_ACCMODE;
	unsigned int mode = SIM_FMODE_LSEEK;

	if (acc == SIM_O_RDONLY || acc == SIM_O_RDWR)
		mode |= SIM_FMODE_READ;
	if (acc == SIM_O_WRONLY || acc == SIM_O_RDWR)
		mode |= SIM_FMODE_WRITE;
	return mode;
}

/* ion_open: a client named after @p's tgid, in a new file. */
static int ion_open_legacy(struct kion_device *dev, struct sim_proc *p,
			   unsigned int o_flags)
{
	struct kion_client *client;
	struct sim_file *f;
	int err = 0, fd;

	client = kion_client_create(dev, p, NULL);
	if (!client)
		return -ENOMEM;
	f = sim_file_new(dev->m, &kion_ion_legacy_fops, client, o_flags,
			 chrdev_f_mode(o_flags), &err);
	if (!f) {
		kion_client_destroy(client);
		return err;
	}
	fd = sim_fd_install(p, f, o_flags & SIM_O_CLOEXEC);
	if (fd < 0)
		sim_file_put(f);	/* releases the client */
	return fd;
}

/* kion_ion_open - see kion.h. */
int kion_ion_open(struct kion_device *dev, struct sim_proc *p,
		  unsigned int o_flags)
{
	if (!sim_proc_alive(p))
		return -ESRCH;
	if (dev->cfg.abi == KION_ABI_MODERN)
		return kion_ion_open_modern(dev, p, o_flags);
	return ion_open_legacy(dev, p, o_flags);
}
