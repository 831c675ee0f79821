/*
 * model/kion.h - the kernel side of ION: objects, locks, refcounts, and
 * the API the model's files share (and simulated drivers use).
 *
 * The objects follow Linux 4.9's drivers/staging/android/ion:
 *
 *   process --fd--> file(/dev/ion) --> client --handles--> handle --> buffer --> heap
 *   process --fd--> file(dma-buf) ---> dmabuf -----------------------> buffer
 *   mapping (vma) --> file(dma-buf)    attachment / kmap --> buffer
 *
 * A buffer holds a kref: one per handle and one per dma-buf object (each
 * SHARE/MAP makes a new dma-buf).  A handle holds a kref of its own: one
 * per userspace reference in 4.9.45 (or one for all of them, counted in
 * user_ref_count, in 4.9.337), plus one per ioctl in flight.  A dma-buf's
 * lifetime is its sim file's: fds, mappings, messages in flight and kernel
 * dma_buf_get()s hold it.  In the modern ABI (4.12+) there are no clients
 * or handles: the buffer lives exactly as long as its one dma-buf.
 *
 * Locks are taken where 4.9 takes them (dev->lock, dev->buffer_lock,
 * client->lock, buffer->lock), through sim_mutex, so that the explorer can
 * preempt exactly where the kernel could be preempted.  Defects of older
 * releases are switchable (struct kion_config, model/bugs.c); the
 * default is the 4.9.337 code with its own few.
 *
 * A destroyed handle is not freed at once: it is marked dead and parked
 * on the device until no entry point (ioctl, release, kernel API call) is
 * in flight any more.  The fixed code never touches it again; a mutant
 * that does (the historical use-after-frees) finds the dead mark, counts
 * the touch in dev->uaf and behaves as the kernel's usual outcome (a
 * failed validation, a put that changes nothing), instead of crashing the
 * host.
 *
 * Ordering: the kernel keys dev->buffers and dev->clients by pointer; we
 * key them by creation serial, so every report is deterministic.
 *
 * Sections: configuration, objects, then the API by audience: the device
 * and its openers (the embedding layer), the kernel API (simulated
 * drivers, ion.h's in-kernel interface), and last the calls that only
 * model/ files make to each other.
 */
#ifndef IONSIM_MODEL_KION_H
#define IONSIM_MODEL_KION_H

#include <bsd/sys/tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ionsim/heap.h"
#include "ionsim/sim.h"

#define KION_COMM_LEN 16	/* TASK_COMM_LEN */
#define KION_DEV_NAME_MAX 32	/* an attaching device's name */
#define KION_MAX_DMAHEAPS 16
#define KION_EXP_NAME "ion"	/* exp_name of ION's own dma-bufs */
/* exp_name of a 5.10 DMA-BUF heap's dma-bufs: both the system and the cma
 * heap export through heap-helpers.c, so KBUILD_MODNAME is its name. */
#define KION_DMAHEAP_EXP_NAME "heap_helpers"

/* Which ioctl ABI /dev/ion speaks. */
enum kion_abi {
	KION_ABI_LEGACY,	/* 4.4-4.11: clients and handles */
	KION_ABI_MODERN,	/* 4.12-5.10: ALLOC returns an fd */
};

/* Defects that releases had, switchable one by one (the explorer's
 * mutants, model/bugs.c names them).  KION_KERNEL_* below pick a
 * release's set. */
enum kion_bug {
	KION_BUG_FREE_RACE = 1u << 0,	   /* CVE-2016-9120: 3-step FREE (<= 4.5) */
	KION_BUG_SHARE_UNLOCKED = 1u << 1, /* CVE-2017-0564: SHARE drops client->lock */
	KION_BUG_NO_USER_REFS = 1u << 2,   /* user refs are plain krefs (pre-4.9.y fix) */
	KION_BUG_ALLOC_UAF = 1u << 3,	   /* ALLOC publishes the handle without a grab */
	KION_BUG_PASS_TO_USER = 1u << 4,   /* IMPORT reads the id after pass_to_user */
	KION_BUG_KREF_OVERFLOW = 1u << 5,  /* no overflow checks on handle krefs */
	KION_BUG_KMAP_SYNC = 1u << 6,	   /* CVE-2021-0929: SYNC moves kmap_cnt */
	KION_BUG_IMPORT_RESURRECT = 1u << 7, /* 2012: final put outside client->lock */
	KION_BUG_QUERY_EINVAL = 1u << 8,   /* 4.9: HEAP_QUERY list returns EINVAL */
	KION_BUG_KMAP_OVERFLOW = 1u << 9,  /* no INT_MAX guard on kmap counts */
	KION_BUG_DEFER_CARVEOUT = 1u << 10, /* carveout/chunk defer their frees */
};

/* Every KION_BUG_* bit: what `fix all` switches off. */
#define KION_BUGS_ALL ((1u << 11) - 1)

/* In kion_config.bugs: the other bits are the whole set, possibly empty,
 * instead of 0 meaning "the kernel's set". */
#define KION_BUGS_EXACT (1u << 31)

enum kion_kernel {
	KION_KERNEL_4_4,	/* every legacy defect above */
	KION_KERNEL_4_9_45,	/* FREE fixed; SHARE, user refs, ALLOC, overflow not */
	KION_KERNEL_4_9_337,	/* the fixed 4.9 code (default) */
	KION_KERNEL_4_19,	/* the modern ABI as 4.19 has it */
};

struct kion_config {
	enum kion_abi abi;
	enum kion_kernel kernel;
	/* The base set of KION_BUG_*: 0 means the kernel's own set
	 * (kion_kernel_bugs); with KION_BUGS_EXACT the remaining bits are
	 * the set, even none. */
	unsigned int bugs;
	/* Adjustments to the base, as `bug NAME` / `fix NAME` statements and
	 * --bug make them: the device runs (base | bugs_on) & ~bugs_off. */
	unsigned int bugs_on, bugs_off;
	/* Width of handle krefs and user_ref_counts, 1..32 (0: 32).  Narrow
	 * widths let the explorer reach the overflows of 7.5 in a few steps. */
	unsigned int kref_bits;
};

/*
 * The defects @kernel shipped with (ION-SPEC section 7):
 *  - 4.4: the three-step FREE plus all of 4.9.45's;
 *  - 4.9.45: SHARE unlocked, plain user krefs, ALLOC without the grab,
 *    no kref overflow check, SYNC moving kmap_cnt unchecked, no kmap
 *    INT_MAX guard, HEAP_QUERY's EINVAL, deferring carveouts;
 *  - 4.9.337: HEAP_QUERY's EINVAL, SYNC's unchecked kmap_cnt (kernel.org
 *    never took Android's fix) and deferring carveouts;
 *  - 4.19: SYNC's kmap_cnt, no INT_MAX guard, deferring carveouts.
 * KION_BUG_PASS_TO_USER and KION_BUG_IMPORT_RESURRECT belong to trees
 * between releases and are in no set.
 */
unsigned int kion_kernel_bugs(enum kion_kernel kernel);

/* One switchable defect as `bug NAME`, `fix NAME` and --bug know it. */
struct kion_mutant {
	const char *name;	/* "cve-2016-9120": the CVE id where there is one */
	unsigned int on;	/* KION_BUG_* bits `bug NAME` / --bug switches on */
	unsigned int off;	/* bits `fix NAME` / --fix switches off: the fix */
	bool race;		/* only shows when an ioctl is preempted at a lock point */
	const char *what;	/* one line for `--bug list` */
};

/* The mutant called @name, or NULL if none. */
const struct kion_mutant *kion_mutant_find(const char *name);
/* The whole table, in list order, with its length in *@n. */
const struct kion_mutant *kion_mutants(unsigned int *n);

/* See kion_set_trace(). */
typedef void (*kion_trace_fn)(void *ctx, const char *func, const char *what);

struct kion_device;
struct kion_client;
struct kion_handle;
struct kion_buffer;
struct kion_dmabuf;
struct kion_attachment;

/* ------------------------------------------------------------------ */
/* Objects                                                              */
/* ------------------------------------------------------------------ */

struct kion_buffer {
	struct heap_buffer hb;		/* the heap's part: runs, size, kmap_cnt */
	uint64_t serial;		/* creation order, from 1: names it in reports */
	unsigned int ref;		/* kref */
	struct kion_device *dev;
	struct heap *heap;
	unsigned long flags;		/* the user's ION_FLAG_* */
	uint64_t size;			/* page-aligned request (buffer->size) */
	struct sim_mutex lock;		/* buffer->lock */
	int handle_count;		/* handles over all clients */
	int dmap_cnt;			/* attachments mapped now (4.9 keeps it 0) */
	char task_comm[KION_COMM_LEN];	/* who dropped the last handle */
	int pid;
	char alloc_comm[KION_COMM_LEN];	/* who allocated it */
	int alloc_pid;
	unsigned int alloc_tag;		/* driver's tag at allocation (scenario line) */
	bool live;			/* in dev->buffers (not destroyed/deferred) */
	struct kion_dmabuf *modern_dmabuf;	/* modern ABI: its one dma-buf */
	RB_ENTRY(kion_buffer) node;	/* dev->buffers, by serial */
};

struct kion_handle {
	unsigned int kref;		/* masked to config.kref_bits */
	unsigned int user_ref_count;	/* 4.9.337: userspace's references */
	struct kion_device *dev;	/* readable even once the client is gone */
	struct kion_client *client;
	struct kion_buffer *buffer;
	int id;				/* what userspace sees: lowest free >= 1 */
	int kmap_cnt;			/* kernel maps through this handle */
	bool dead;			/* destroyed: any further touch is a UAF */
	bool in_tree;			/* linked in client->handles and idr */
	uint64_t client_serial;		/* its client's, for narration after death */
	struct kion_handle *next_dead;	/* dev->dead, until no entry is in flight */
	RB_ENTRY(kion_handle) by_buffer;	/* client->handles */
	RB_ENTRY(kion_handle) by_id;		/* client->idr */
};

RB_HEAD(kion_handle_by_buffer, kion_handle);
RB_HEAD(kion_handle_by_id, kion_handle);

struct kion_client {
	uint64_t serial;		/* creation order: dev->clients key */
	struct kion_device *dev;
	struct kion_handle_by_buffer handles;	/* one handle per buffer */
	struct kion_handle_by_id idr;		/* id -> handle */
	struct sim_mutex lock;		/* client->lock */
	char name[KION_COMM_LEN + 8];	/* tgid in decimal, or a driver's name */
	char display_name[KION_COMM_LEN + 20];	/* "<name>-<serial>" */
	int display_serial;
	int pid;			/* tgid, 0 for a kernel client */
	char comm[KION_COMM_LEN];	/* the opener's comm, "" for kernel */
	bool kernel;			/* created by a driver, not by open() */
	struct sim_proc *task;		/* the opener (client->task), NULL for kernel */
	unsigned long nhandles;		/* handles in idr */
	int id_low;			/* every id in [1, id_low) is taken; 0: unset (1) */
	RB_ENTRY(kion_client) node;	/* dev->clients */
};

struct kion_attachment {
	struct kion_dmabuf *dmabuf;
	char dev_name[KION_DEV_NAME_MAX];
	bool mapped;			/* map_attachment done */
	struct kion_attachment *next;	/* dmabuf->attachments, newest first */
};

struct kion_dmabuf {
	uint64_t serial;		/* export order, from 1 */
	struct sim_file *file;		/* the dma-buf file: its lifetime */
	struct kion_buffer *buffer;	/* holds one buffer kref */
	uint64_t size;
	const char *exp_name;		/* "ion", or a DMA-BUF heap's */
	bool ion;			/* ION exported it: IMPORT/SYNC take it */
	struct kion_attachment *attachments;
	unsigned int nattach;
	unsigned long kernel_refs;	/* file refs held by drivers (dma_buf_get) */
	struct kion_dmabuf *db_prev;	/* dev's db_list, newest first */
	struct kion_dmabuf *db_next;
};

RB_HEAD(kion_buffer_tree, kion_buffer);
RB_HEAD(kion_client_tree, kion_client);

/* The four trees' functions (RB_MIN, RB_NEXT, RB_FOREACH... work on them
 * from any model/ file): handles by buffer serial and by id, buffers and
 * clients by serial. */
RB_PROTOTYPE(kion_handle_by_buffer, kion_handle, by_buffer, kion_handle_buffer_cmp)
RB_PROTOTYPE(kion_handle_by_id, kion_handle, by_id, kion_handle_id_cmp)
RB_PROTOTYPE(kion_buffer_tree, kion_buffer, node, kion_buffer_cmp)
RB_PROTOTYPE(kion_client_tree, kion_client, node, kion_client_cmp)

/* A /dev/dma_heap/NAME node. */
struct kion_dmaheap {
	char name[HEAP_NAME_MAX];
	struct heap *heap;
	/* Its device, for the node's open files; set by kion_dmaheap_open
	 * (kion_dmaheap_add leaves it NULL). */
	struct kion_device *dev;
};

struct kion_device {
	struct sim_machine *m;
	struct kion_config cfg;			/* bugs and kref_bits resolved */
	struct heap *heaps[HEAP_MAX_HEAPS];	/* priority order: id desc */
	unsigned int nheaps;
	struct kion_buffer_tree buffers;	/* live buffers */
	struct kion_client_tree clients;
	struct sim_mutex lock;			/* dev->lock (rw-sem) */
	struct sim_mutex buffer_lock;		/* dev->buffer_lock */
	struct sim_mutex debugfs_lock;		/* ion.c's global debugfs_mutex */
	struct kion_dmabuf *db_list;		/* every dma-buf, newest first */
	struct kion_dmaheap dmaheaps[KION_MAX_DMAHEAPS];
	unsigned int ndmaheaps;
	uint64_t next_buffer, next_client, next_dmabuf;	/* serials */
	unsigned int tag;			/* current driver tag (scenario line) */
	/* counters of what the audit and reports need */
	unsigned long nbuffers, nclients, ndmabufs;
	unsigned long nhandles;			/* handles alive (not dead) */
	unsigned long warnings;			/* kernel WARNs hit */
	unsigned long warnings_defended;	/* of them, the fixed code's own guards */
	unsigned long uaf;			/* touches of dead objects (mutants) */
	unsigned int kref_mask;			/* (1 << kref_bits) - 1 */
	unsigned int depth;			/* entry points in flight */
	struct kion_handle *dead;		/* destroyed handles not yet freed */
	kion_trace_fn trace;			/* --explain narration, or NULL */
	void *trace_ctx;
};

/* ------------------------------------------------------------------ */
/* Device                                                               */
/* ------------------------------------------------------------------ */

/*
 * kion_device_create - ION on machine @m: creates the heaps of @board
 * (their regions must already be in the machine's config) in priority
 * order, highest id first, equal ids in board order.  Returns the device
 * or NULL with *@err (-ENOMEM, or heap_create's error), leaving nothing
 * behind.
 */
struct kion_device *kion_device_create(struct sim_machine *m,
				       const struct kion_config *cfg,
				       const struct heap_board *board,
				       int *err);
/*
 * kion_device_destroy - the end of a run, before sim_shutdown(): every
 * live process exits (its mappings and fds go, releasing what they held),
 * messages in flight are dropped, drivers' dma-buf references are put,
 * kernel clients are destroyed, buffers a refcount bug left behind are
 * freed, then the heaps.  Afterwards the device holds no kernel object.
 * NULL is a no-op.
 */
void kion_device_destroy(struct kion_device *dev);
/* The heap named @name, or NULL. */
struct heap *kion_heap_by_name(struct kion_device *dev, const char *name);
/* Add a /dev/dma_heap/@name node for heap @heap: 0, -EEXIST, -ENOSPC. */
int kion_dmaheap_add(struct kion_device *dev, const char *name,
		     struct heap *heap);
/* Whether @dev has defect @bug switched on. */
static inline bool kion_bug(const struct kion_device *dev, enum kion_bug bug)
{
	return (dev->cfg.bugs & (unsigned int)bug) != 0;
}

/* ------------------------------------------------------------------ */
/* Clients and handles (legacy)                                         */
/* ------------------------------------------------------------------ */

/* ion_client_create: @name for a driver's client, or the opener's tgid
 * when @proc is given.  NULL on -ENOMEM (or with neither name nor proc,
 * the kernel's -EINVAL); nothing is left behind then. */
struct kion_client *kion_client_create(struct kion_device *dev,
				       struct sim_proc *proc,
				       const char *name);
/* ion_client_destroy: every handle destroyed regardless of its kref.  The
 * caller holds no lock of the client; the client is freed. */
void kion_client_destroy(struct kion_client *client);
/* The client behind a legacy /dev/ion file, or NULL for any other file. */
struct kion_client *kion_client_from_file(struct sim_file *file);

/* ion_alloc (kernel API): a new buffer and handle (kref 1); the handle
 * id is published.  Returns the handle or NULL with *@err. */
struct kion_handle *kion_alloc(struct kion_client *client, uint64_t len,
			       uint64_t align, unsigned int heap_id_mask,
			       unsigned int flags, int *err);
/* ion_free (kernel API): validate and drop one reference: 0 or -EINVAL
 * (the kernel WARNs and returns nothing; we say why). */
int kion_free(struct kion_client *client, struct kion_handle *handle);

/* ion_handle_get_by_id: the handle with @id in @client with one more
 * kref (the caller's), or NULL with -EINVAL (no such id) or -EOVERFLOW. */
struct kion_handle *kion_handle_get_by_id(struct kion_client *client, int id,
					  int *err);
/* ion_handle_put: drop a kref taken with kion_handle_get_by_id; the
 * handle may be destroyed.  The caller does not hold client->lock. */
void kion_handle_put(struct kion_handle *handle);

/* ------------------------------------------------------------------ */
/* Buffers and dma-bufs                                                 */
/* ------------------------------------------------------------------ */

void kion_buffer_get(struct kion_buffer *buffer);
/* Drops a kref; at 0 the buffer leaves dev->buffers and its heap frees it
 * (or defers).  Returns 1 if this put destroyed it. */
int kion_buffer_put(struct kion_buffer *buffer);

/*
 * dma_buf_export for a buffer: a new dma-buf file with one reference (the
 * caller's); takes a buffer kref.  An exp_name of KION_EXP_NAME ("ion")
 * makes it ION's own (IMPORT and SYNC accept it); any other name is a
 * foreign exporter's (a DMA-BUF heap's); the string is kept, not copied
 * (a literal, as KBUILD_MODNAME is).  @f_flags: the file's access mode
 * (O_RDWR, O_RDONLY...).  NULL with *@err (-ENOMEM) on failure.
 */
struct kion_dmabuf *kion_dmabuf_export(struct kion_buffer *buffer,
				       const char *exp_name,
				       unsigned int f_flags, int *err);
/* The dma-buf behind @file (any exporter), or NULL when it is not a
 * dma-buf; kion_dmabuf_is_ion tells ION's own apart. */
struct kion_dmabuf *kion_dmabuf_from_file(struct sim_file *file);
static inline bool kion_dmabuf_is_ion(const struct kion_dmabuf *dmabuf)
{
	return dmabuf->ion;
}

/* Every dma-buf file has these ops (kind "dma-buf"): release drops the
 * buffer kref, mmap, llseek, and DMA_BUF_IOCTL_SYNC. */
extern const struct sim_file_ops kion_dmabuf_fops;

/* ------------------------------------------------------------------ */
/* Opening the devices (fds in process @p)                              */
/* ------------------------------------------------------------------ */

/* open("/dev/ion"): legacy, a new client per open; modern (4.12+), a
 * file with no per-open state (ioctl_modern.c's kion_ion_modern_fops).
 * Returns the fd or -errno (-EMFILE, -ENOMEM, -ESRCH). */
int kion_ion_open(struct kion_device *dev, struct sim_proc *p,
		  unsigned int o_flags);
/* open("/dev/dma_heap/NAME"): -ENODEV when there is no such node. */
int kion_dmaheap_open(struct kion_device *dev, struct sim_proc *p,
		      const char *name, unsigned int o_flags);
/* open("/dev/ion-test"): the kernel's ION test driver (legacy 4.9). */
int kion_test_open(struct kion_device *dev, struct sim_proc *p,
		   unsigned int o_flags);
/* open("/dev/ion") under KION_ABI_MODERN (kion_ion_open's choice): a
 * file with no per-open state.  The fd, or -EMFILE, -ENOMEM, -ESRCH. */
int kion_ion_open_modern(struct kion_device *dev, struct sim_proc *p,
			 unsigned int o_flags);

/* The f_mode an open(2) of a character device gives for @o_flags: read
 * and write as the access mode says, plus the seek every open grants
 * (nonseekable_open takes it away again). */
static inline unsigned int kion_open_f_mode(unsigned int o_flags)
{
	unsigned int acc = o_flags & SIM_O_ACCMODE;
	unsigned int mode = SIM_FMODE_LSEEK;

	if (acc == SIM_O_RDONLY || acc == SIM_O_RDWR)
		mode |= SIM_FMODE_READ;
	if (acc == SIM_O_WRONLY || acc == SIM_O_RDWR)
		mode |= SIM_FMODE_WRITE;
	return mode;
}

/*
 * kion_query_heaps - ion_query_heaps, for both ABIs' HEAP_QUERY: with
 * query->heaps 0, the heap count in query->cnt; otherwise up to cnt
 * entries (priority order) written at the user address query->heaps and
 * cnt set to their number.  0, -EINVAL (cnt 0 with a list; and the 4.9
 * success path under KION_BUG_QUERY_EINVAL), -EFAULT.  Takes dev->lock.
 */
struct ion_heap_query;
int kion_query_heaps(struct kion_device *dev, struct ion_heap_query *query);

/* The legacy /dev/ion file's ops (kind "ion"): release destroys the
 * client, ioctl is kion_ioctl_legacy. */
extern const struct sim_file_ops kion_ion_legacy_fops;
/* The modern /dev/ion file's ops, provided by model/ioctl_modern.c. */
extern const struct sim_file_ops kion_ion_modern_fops;
/* A /dev/dma_heap/NAME file's ops (kind "dma-heap", model/dma_heap.c)
 * and /dev/ion-test's (kind "ion-test", model/ion_test.c). */
extern const struct sim_file_ops kion_dmaheap_fops;
extern const struct sim_file_ops kion_test_fops;

/*
 * kion_ioctl_modern - ion_ioctl of 4.12-5.10 for thread @t: ALLOC (a
 * dma-buf fd) and HEAP_QUERY, every other command ENOTTY (or EINVAL when
 * its size exceeds the 24-byte argument union).  @arg is a user pointer.
 * Returns 0 or -errno.
 */
long kion_ioctl_modern(struct kion_device *dev, struct sim_thread *t,
		       unsigned int cmd, unsigned long arg);

/*
 * kion_ioctl_legacy - ion_ioctl of 4.4-4.11 on @client for thread @t of
 * the calling process: ALLOC, FREE, MAP, SHARE, IMPORT, SYNC, CUSTOM,
 * HEAP_QUERY with the kernel's order of checks and errnos.  @arg is a
 * user pointer.  Returns 0 or -errno.
 */
long kion_ioctl_legacy(struct kion_client *client, struct sim_thread *t,
		       unsigned int cmd, unsigned long arg);

/* ------------------------------------------------------------------ */
/* Kernel API for simulated drivers (ion.h's in-kernel interface)       */
/* ------------------------------------------------------------------ */

/* ion_map_kernel / ion_unmap_kernel: handle and buffer kmap counts;
 * the host address, or NULL with *@err (-EINVAL for a handle not in the
 * client, -EOVERFLOW at INT_MAX in 4.9.337). */
void *kion_map_kernel(struct kion_client *client, struct kion_handle *handle,
		      int *err);
void kion_unmap_kernel(struct kion_client *client, struct kion_handle *handle);
/* ion_phys: contiguous heaps only (-ENODEV otherwise, -EINVAL for a
 * handle not in the client). */
int kion_phys(struct kion_client *client, struct kion_handle *handle,
	      uint64_t *addr, uint64_t *len);
/* ion_sg_table: the buffer's runs (borrowed), NULL with -EINVAL. */
const struct sim_run *kion_sg_table(struct kion_client *client,
				    struct kion_handle *handle,
				    unsigned int *nruns, int *err);
/* ion_share_dma_buf_fd: a new dma-buf fd (O_CLOEXEC) for @handle in
 * process @p, or -errno (-EINVAL, -ENOMEM, -EMFILE, -ESRCH). */
int kion_share_dma_buf_fd(struct kion_client *client,
			  struct kion_handle *handle, struct sim_proc *p);
/* ion_import_dma_buf_fd: a handle in @client for dma-buf fd @fd of @p
 * (one more kref when the client has one already), or NULL with -EBADF,
 * -EINVAL (not a dma-buf, or not ION's), -ENOMEM, -EOVERFLOW. */
struct kion_handle *kion_import_dma_buf_fd(struct kion_client *client,
					   struct sim_proc *p, int fd,
					   int *err);
/* dma_buf_get / dma_buf_put by a driver: a file reference it holds
 * (counted in kernel_refs).  -EBADF, -EINVAL (not a dma-buf). */
struct kion_dmabuf *kion_dma_buf_get(struct sim_proc *p, int fd, int *err);
void kion_dma_buf_put(struct kion_dmabuf *dmabuf);
/* dma_buf_attach / detach / map_attachment / unmap_attachment.  An
 * attachment holds no reference: the driver keeps its dma_buf_get one
 * until after detach (a dma-buf released with attachments left frees
 * them, with a warning). */
struct kion_attachment *kion_dma_buf_attach(struct kion_dmabuf *dmabuf,
					    const char *dev_name, int *err);
void kion_dma_buf_detach(struct kion_attachment *att);
int kion_dma_buf_map_attachment(struct kion_attachment *att);
void kion_dma_buf_unmap_attachment(struct kion_attachment *att);
/* dma_buf_begin_cpu_access / dma_buf_end_cpu_access.  With
 * KION_BUG_KMAP_SYNC (every upstream 4.4-4.19) ION's take kmap_cnt +1 /
 * -1, the decrement unchecked (CVE-2021-0929); without it, as Android's
 * fix has them, they leave kmap_cnt alone.  0 or -EOVERFLOW. */
int kion_dma_buf_begin_cpu_access(struct kion_dmabuf *dmabuf);
int kion_dma_buf_end_cpu_access(struct kion_dmabuf *dmabuf);

/* ------------------------------------------------------------------ */
/* Narration                                                            */
/* ------------------------------------------------------------------ */

/*
 * A trace hook, for --explain: called at every reference change with the
 * kernel function involved and what changed, in words with object
 * serials ("dma_buf 3 created, buffer 7 ref 1 -> 2").  No cost when unset.
 */
void kion_set_trace(struct kion_device *dev, kion_trace_fn fn, void *ctx);
void kion_tracef_hooked(struct kion_device *dev, const char *func,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Narrate, at the cost of one test when no hook is set: replay calls this
 * on every reference change.  The arguments are not evaluated then, so
 * they must have no side effects. */
#define kion_tracef(dev, func, ...)                                     \
	do {                                                            \
		if ((dev)->trace)                                       \
			kion_tracef_hooked((dev), (func), __VA_ARGS__); \
	} while (0)

/* ------------------------------------------------------------------ */
/* User memory                                                          */
/* ------------------------------------------------------------------ */

/*
 * copy_from_user / copy_to_user: @uptr is a host address handed in by the
 * simulated process.  An unmapped or unwritable address gives -EFAULT,
 * never a crash (process_vm_readv/writev on ourselves).
 */
int kion_copy_from_user(void *dst, unsigned long uptr, size_t len);
int kion_copy_to_user(unsigned long uptr, const void *src, size_t len);
/*
 * kion_uaccess_trust - the calling host thread vouches that [@base,
 * @base + @len) is its own readable and writable memory for as long as it
 * stays registered: copies wholly inside it skip the checking syscall.
 * One range per thread; @len == 0 withdraws it.  Only for callers that own
 * the memory (the scenario interpreter's scratch), never for pointers that
 * came from a simulated program.
 */
void kion_uaccess_trust(const void *base, size_t len);

/* ------------------------------------------------------------------ */
/* Between model/ files only                                            */
/* ------------------------------------------------------------------ */

/*
 * Entry points.  Every ioctl, file release and kernel API call runs
 * between kion_enter and kion_leave; the last leave frees the handles
 * destroyed meanwhile (see the top of this file).
 */
void kion_enter(struct kion_device *dev);
void kion_leave(struct kion_device *dev);

/* A kernel WARN at @func: counted, and narrated. */
void kion_warn(struct kion_device *dev, const char *func, const char *what);
/* A WARN by which fixed code refuses a racing caller and changes nothing
 * (4.9.337's FREE with no user reference): counted in dev->warnings like
 * any WARN, and in dev->warnings_defended, which the audit forgives. */
void kion_warn_defended(struct kion_device *dev, const char *func,
			const char *what);
/* A touch of a destroyed object at @func: counted in dev->uaf, narrated. */
void kion_uaf(struct kion_device *dev, const char *func, const char *what);

/*
 * kion_buffer_alloc - the heap walk of ion_alloc: PAGE_ALIGN(@len) (0:
 * -EINVAL), then under dev->lock every heap whose id bit is in
 * @heap_id_mask, highest priority first, until one succeeds.  A heap
 * whose access list does not name @comm counts as tried, failing with
 * -EACCES.  Returns a live buffer with kref 1 (the creation reference,
 * the caller's), or NULL with *@err: -ENODEV when no heap matched the
 * mask, else the last tried heap's error.  @comm/@pid name the allocator.
 */
struct kion_buffer *kion_buffer_alloc(struct kion_device *dev, uint64_t len,
				      uint64_t align,
				      unsigned int heap_id_mask,
				      unsigned int flags, const char *comm,
				      int pid, int *err);
/* ion_buffer_kmap_get / put; the caller holds buffer->lock.  get returns
 * the host address (NULL after an underflow, as the kernel's stale
 * vaddr) or NULL with *@err (-EOVERFLOW at INT_MAX unless
 * KION_BUG_KMAP_OVERFLOW, -ENOMEM). */
void *kion_buffer_kmap_get(struct kion_buffer *buffer, int *err);
void kion_buffer_kmap_put(struct kion_buffer *buffer);

/*
 * __ion_alloc: kion_buffer_alloc for @client, then a handle published in
 * the client's idr; with @grab an extra kref is taken under client->lock
 * before the id is visible (the 7.3 fix).  @task is the calling process
 * (NULL for a driver: the client names the allocator).  Returns the
 * handle or NULL with *@err; nothing is left behind on failure, but for
 * 4.9.337's own leak of a grabbed handle when the idr is full (-ENOSPC:
 * 2^31 handles in one client, out of reach here).
 */
struct kion_handle *kion_alloc_task(struct kion_client *client, uint64_t len,
				    uint64_t align, unsigned int heap_id_mask,
				    unsigned int flags, bool grab,
				    struct sim_proc *task, int *err);

/* Handles: the caller holds client->lock for every *_nolock call and for
 * kion_handle_lookup / kion_handle_validate / kion_handle_get. */
/* ion_handle_lookup: @client's handle for @buffer, or NULL. */
struct kion_handle *kion_handle_lookup(struct kion_client *client,
				       struct kion_buffer *buffer);
/* ion_handle_validate: @handle is still @client's id (false for a dead
 * handle, whose touch is counted). */
bool kion_handle_validate(struct kion_client *client,
			  struct kion_handle *handle);
/* ion_handle_get_by_id_nolock: +1 kref (with the overflow check unless
 * KION_BUG_KREF_OVERFLOW), or NULL with -EINVAL / -EOVERFLOW. */
struct kion_handle *kion_handle_get_by_id_nolock(struct kion_client *client,
						 int id, int *err);
/* kref_get on a handle (WARNs when it was 0), and the checked variant:
 * 0 or -EOVERFLOW (never with KION_BUG_KREF_OVERFLOW). */
void kion_handle_get(struct kion_handle *handle);
int kion_handle_get_check_overflow(struct kion_handle *handle);
/* ion_handle_put_nolock: -1 kref; at 0 the handle is destroyed, @task
 * (or, NULL, the client) being who dropped it.  A dead handle is only
 * counted as a use-after-free.  Returns 1 when it destroyed. */
int kion_handle_put_nolock(struct kion_handle *handle, struct sim_proc *task);
/* ion_handle_put: the same under client->lock, taken here.  With
 * KION_BUG_IMPORT_RESURRECT the decrement runs unlocked and the destroy
 * takes the lock afterwards. */
int kion_handle_put_task(struct kion_handle *handle, struct sim_proc *task);
/* ion_handle_create: a new handle of @client on @buffer with kref 1,
 * taking a buffer kref and a handle_count (under buffer->lock), not yet
 * in the client's trees.  NULL with *@err = -ENOMEM, nothing changed. */
struct kion_handle *kion_handle_create(struct kion_client *client,
				       struct kion_buffer *buffer, int *err);
/* ion_handle_add: publish @handle at the lowest free id >= 1 and in the
 * by-buffer tree; the caller holds client->lock.  0, or -ENOSPC when
 * every id is taken (the handle is then unpublished and still the
 * caller's). */
int kion_handle_add_nolock(struct kion_client *client,
			   struct kion_handle *handle);
/* ion_handle_destroy (the kref release, also called directly by client
 * destroy): kernel maps dropped, unpublished, handle_count -1 (recording
 * who dropped the last), buffer kref -1; the handle is marked dead and
 * freed once no entry point is in flight. */
void kion_handle_destroy(struct kion_handle *handle, struct sim_proc *task);
/* ion_handle_kmap_get / put; the caller holds buffer->lock.  get: the
 * host address, or NULL with *@err (-EOVERFLOW when the handle's or the
 * buffer's count is at INT_MAX, unless KION_BUG_KMAP_OVERFLOW; -ENOMEM).
 * put WARNs on a handle with no kernel map ("double unmap"). */
void *kion_handle_kmap_get(struct kion_handle *handle, int *err);
void kion_handle_kmap_put(struct kion_handle *handle);
/* ion_buffer_add_to_handle / ion_buffer_remove_from_handle: handle_count
 * +1 / -1 under buffer->lock (taken here); the decrement to 0 records
 * @comm and @pid as the buffer's last known holder. */
void kion_buffer_add_to_handle(struct kion_buffer *buffer);
void kion_buffer_remove_from_handle(struct kion_buffer *buffer,
				    const char *comm, int pid);
/* ion_free_nolock: validate, then -1 kref: 0 or -EINVAL (WARN). */
int kion_free_nolock(struct kion_client *client, struct kion_handle *handle,
		     struct sim_proc *task);

/*
 * __ion_share_dma_buf_fd: validate @handle (under client->lock when
 * @lock_client; the caller holds it otherwise), take a buffer kref,
 * export an ION dma-buf and install it in @p with O_CLOEXEC.  Returns
 * the fd or -errno; on failure nothing is left behind.
 */
int kion_share_fd(struct kion_client *client, struct kion_handle *handle,
		  struct sim_proc *p, bool lock_client);
/* ion_import_dma_buf on a dma-buf already looked up: -EINVAL for a
 * foreign exporter; otherwise the client's handle for its buffer with
 * +1 kref, or a new one. */
struct kion_handle *kion_import_dmabuf(struct kion_client *client,
				       struct kion_dmabuf *dmabuf, int *err);
/* dma_buf_get for the duration of a call (not counted in kernel_refs):
 * -EBADF, -EINVAL; release with kion_dmabuf_file_put. */
struct kion_dmabuf *kion_dmabuf_file_get(struct sim_proc *p, int fd,
					 int *err);
void kion_dmabuf_file_put(struct kion_dmabuf *dmabuf);
/* dma_buf_export consuming a buffer kref the caller already holds (it
 * keeps it on failure): NULL with *@err. */
struct kion_dmabuf *kion_dmabuf_wrap(struct kion_buffer *buffer,
				     const char *exp_name,
				     unsigned int f_flags, int *err);

/*
 * kion_buffer_export_fd - the tail of 4.12+'s ion_alloc and of a 5.10
 * DMA-BUF heap's allocate: @buffer's creation kref becomes its one
 * dma-buf (exporter @exp_name, file access mode from @fd_flags), which
 * is installed in @p with @fd_flags' O_CLOEXEC.  Returns the fd, or
 * -errno with the buffer gone (destroyed directly when the export
 * failed, through the dma-buf's release when the fd could not be had).
 */
int kion_buffer_export_fd(struct kion_buffer *buffer, const char *exp_name,
			  unsigned int fd_flags, struct sim_proc *p);

/* The calling process's name and tgid for @client: @task's when given,
 * else the opener's (or, for a driver's client, its name and pid 0). */
void kion_task_ident(const struct kion_client *client, struct sim_proc *task,
		     const char **comm, int *pid);

/* ------------------------------------------------------------------ */
/* Looking inside: debugfs, the audit, the live-buffer report           */
/* ------------------------------------------------------------------ */

/*
 * These are observers, run between steps: they read the state as it
 * stands and take no simulated lock (a lock would be a preemption point
 * for a thread the explorer does not have).  Nothing they print holds a
 * host pointer.
 */

/*
 * kion_debugfs_show - print debugfs or procfs file @path as the release
 * the device simulates prints it (model/debugfs.c tells which file
 * follows which kernel):
 *   /sys/kernel/debug/ion/heaps/NAME           legacy ABI only
 *   /sys/kernel/debug/ion/heaps/NAME_shrink    legacy, heaps with a shrinker
 *   /sys/kernel/debug/ion/clients/NAME-SERIAL  legacy ABI only
 *   /sys/kernel/debug/ion/NAME_shrink          modern ABI, heaps with a shrinker
 *   /sys/kernel/debug/ion/NAME/NAME_shrink     the same on a 5.10 machine
 *   /sys/kernel/debug/dma_buf/bufinfo
 *   /proc/PID/fdinfo/FD                        any open fd of a live process
 * Returns 0, or -ENOENT for any other path (directories included).
 */
int kion_debugfs_show(struct kion_device *dev, const char *path, FILE *out);

/*
 * kion_debugfs_show_client - clients/NAME-SERIAL as read through a file
 * opened while client @serial was alive: its table, or, once the client
 * is destroyed, the kernel's "dead" line, with the client's serial in
 * hex where the kernel prints its address.  Legacy ABI only: -ENOENT in
 * the modern one.
 */
int kion_debugfs_show_client(struct kion_device *dev, uint64_t serial,
			     FILE *out);

/*
 * kion_audit - recompute every reference count from the references that
 * really exist (fds, mappings and messages in flight of the simulated
 * processes, handles in the clients' trees, dma-bufs on db_list,
 * drivers' dma_buf_gets) and compare; check the counters, the handle
 * kref rules of the release, kernel mapping counts, that no two live
 * buffers share a physical page, every heap's own structure check, the
 * WARNs (but defended ones, kion_warn_defended) and use-after-frees
 * counted so far, and at quiescence (no live
 * process, kernel client, message in flight or driver reference) that no
 * heap holds a live buffer.  Returns the number of violations, each
 * described on one line of @report ("audit: ...") when it is not NULL;
 * -EBUSY while an entry point is in flight (its temporary references
 * cannot be told from leaks), -ENOMEM when the walk cannot allocate.
 */
int kion_audit(struct kion_device *dev, FILE *report);

/*
 * kion_audit_quick - the per-step check for the replay hot path, O(1):
 * counters against the emptiness of what they count, the dead-handle
 * list outside entry points, WARNs (defended ones excepted) and
 * use-after-frees.  Returns the
 * number of violations (kion_audit says what they are).
 */
int kion_audit_quick(struct kion_device *dev);

/* What a live buffer is, for the end-of-run report (SCENARIO.md). */
enum kion_buffer_class {
	KION_BUFFER_HELD,	/* a live process or a driver holds it */
	KION_BUFFER_ORPHANED,	/* held, but by no handle (legacy ION only) */
	KION_BUFFER_LEAKED,	/* alive, and nothing reachable holds it */
};

/* One reference that keeps a buffer alive, as the report names it. */
enum kion_holder_kind {
	KION_HOLDER_HANDLE,	/* "pid 101 (camera) handle 1" */
	KION_HOLDER_KERNEL_CLIENT,	/* "kernel client vpu handle 1" */
	KION_HOLDER_FD,		/* "pid 102 fd 5" */
	KION_HOLDER_MAPPING,	/* "pid 102 mapping 0x7f0000000000" */
	KION_HOLDER_INFLIGHT,	/* "fd in flight (message 3)" */
	KION_HOLDER_KERNEL_REF,	/* "kernel dma_buf_get on dma-buf 4" */
};

struct kion_holder {
	enum kion_holder_kind kind;
	int pid;		/* the process (HANDLE, FD, MAPPING); 0 if none */
	const char *comm;	/* its name, or the kernel client's name */
	int fd;			/* FD: the fd; HANDLE: the /dev/ion fd */
	int handle;		/* HANDLE, KERNEL_CLIENT: the handle id */
	uint64_t uaddr;		/* MAPPING: the user address */
	int token;		/* INFLIGHT, and HANDLE reached only in flight */
	uint64_t dmabuf;	/* FD, MAPPING, INFLIGHT, KERNEL_REF: its serial */
	unsigned long count;	/* KERNEL_REF: dma_buf_gets held */
};

/* One live buffer (dev->buffers), with everything that holds it. */
struct kion_buffer_info {
	uint64_t serial;
	uint64_t size;			/* buffer->size */
	const char *heap;		/* heap name */
	unsigned int alloc_tag;		/* scenario line of the allocation, 0 if none */
	int alloc_pid;			/* 0 for a driver */
	const char *alloc_comm;		/* process name, or the driver's client name */
	enum kion_buffer_class cls;
	unsigned int ref;		/* buffer kref */
	int handle_count;
	unsigned int nholders;
	const struct kion_holder *holders;	/* handles, then fds and mappings
						 * (pid order), in flight, drivers */
};

/* Called per live buffer; a non-zero return stops the walk.  @info and
 * what it points to are valid during the call only. */
typedef int (*kion_buffer_info_fn)(void *ctx,
				   const struct kion_buffer_info *info);

/*
 * kion_buffer_foreach_live - every live buffer in serial order, classed
 * and with its holders.  Returns 0, @fn's non-zero value, or -ENOMEM.
 */
int kion_buffer_foreach_live(struct kion_device *dev, kion_buffer_info_fn fn,
			     void *ctx);

/* The holder in words, as the report prints it: snprintf's return. */
int kion_holder_format(const struct kion_holder *h, char *buf, size_t len);
/* "held", "orphaned", "leaked". */
const char *kion_buffer_class_name(enum kion_buffer_class cls);

/* SCENARIO.md's terms: live_buffers, orphaned, leaks (and the rest). */
struct kion_buffer_counts {
	unsigned long live_buffers;
	unsigned long held;
	unsigned long orphaned;
	unsigned long leaks;
};

/* Count the classes of the live buffers: 0 or -ENOMEM. */
int kion_buffer_counts(struct kion_device *dev,
		       struct kion_buffer_counts *out);

/*
 * kion_leak_report - the end-of-run list: each live buffer with its
 * size, heap, allocation line and allocator, class and holders, then
 * the counts.  Nothing but the counts line when no buffer is live.
 */
void kion_leak_report(struct kion_device *dev, FILE *out);

#endif /* IONSIM_MODEL_KION_H */
