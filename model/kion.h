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
 * releases are switchable (struct kion_config.bugs); the default is the
 * fixed 4.9.337 code.
 *
 * Ordering: the kernel keys dev->buffers and dev->clients by pointer; we
 * key them by creation serial, so every report is deterministic.
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

/* Which ioctl ABI /dev/ion speaks. */
enum kion_abi {
	KION_ABI_LEGACY,	/* 4.4-4.11: clients and handles */
	KION_ABI_MODERN,	/* 4.12-5.10: ALLOC returns an fd */
};

/* Defects that releases had, switchable one by one (the explorer's
 * mutants).  KION_KERNEL_* below pick a release's set. */
enum kion_bug {
	KION_BUG_FREE_RACE = 1u << 0,	   /* CVE-2016-9120: 3-step FREE (<= 4.5) */
	KION_BUG_SHARE_UNLOCKED = 1u << 1, /* CVE-2017-0564: SHARE drops client->lock */
	KION_BUG_NO_USER_REFS = 1u << 2,   /* user refs are plain krefs (pre-4.9.y fix) */
	KION_BUG_ALLOC_UAF = 1u << 3,	   /* ALLOC publishes the handle without a grab */
	KION_BUG_PASS_TO_USER = 1u << 4,   /* IMPORT reads the id after pass_to_user */
	KION_BUG_KREF_OVERFLOW = 1u << 5,  /* no overflow checks on handle krefs */
	KION_BUG_KMAP_SYNC = 1u << 6,	   /* CVE-2021-0929 with no INT_MAX guard */
	KION_BUG_IMPORT_RESURRECT = 1u << 7, /* 2012: final put outside client->lock */
	KION_BUG_QUERY_EINVAL = 1u << 8,   /* 4.9: HEAP_QUERY list returns EINVAL */
};

enum kion_kernel {
	KION_KERNEL_4_4,	/* every legacy defect above */
	KION_KERNEL_4_9_45,	/* FREE fixed; SHARE, user refs, ALLOC, overflow not */
	KION_KERNEL_4_9_337,	/* the fixed 4.9 code (default) */
	KION_KERNEL_4_19,	/* the modern ABI as 4.19 has it */
};

struct kion_config {
	enum kion_abi abi;
	enum kion_kernel kernel;
	unsigned int bugs;		/* KION_BUG_*; from the kernel unless set */
	unsigned int kref_bits;		/* handle kref width (32; narrow for mutants) */
};

/* The defects @kernel shipped with. */
unsigned int kion_kernel_bugs(enum kion_kernel kernel);

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
	int dmap_cnt;			/* attachment mappings (modern) */
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
	struct kion_client *client;
	struct kion_buffer *buffer;
	int id;				/* what userspace sees: lowest free >= 1 */
	int kmap_cnt;			/* kernel maps through this handle */
	bool dead;			/* destroyed: any further touch is a UAF */
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
	struct kion_attachment *attachments;
	unsigned int nattach;
	unsigned long kernel_refs;	/* file refs held by drivers (dma_buf_get) */
	struct kion_dmabuf *db_prev;	/* dev's db_list, newest first */
	struct kion_dmabuf *db_next;
};

RB_HEAD(kion_buffer_tree, kion_buffer);
RB_HEAD(kion_client_tree, kion_client);

/* A /dev/dma_heap/NAME node. */
struct kion_dmaheap {
	char name[HEAP_NAME_MAX];
	struct heap *heap;
};

struct kion_device {
	struct sim_machine *m;
	struct kion_config cfg;
	struct heap *heaps[HEAP_MAX_HEAPS];	/* priority order: id desc */
	unsigned int nheaps;
	struct kion_buffer_tree buffers;	/* live buffers */
	struct kion_client_tree clients;
	struct sim_mutex lock;			/* dev->lock (rw-sem) */
	struct sim_mutex buffer_lock;		/* dev->buffer_lock */
	struct kion_dmabuf *db_list;		/* every dma-buf, newest first */
	struct kion_dmaheap dmaheaps[KION_MAX_DMAHEAPS];
	unsigned int ndmaheaps;
	uint64_t next_buffer, next_client, next_dmabuf;	/* serials */
	unsigned int tag;			/* current driver tag (scenario line) */
	/* counters of what the audit and reports need */
	unsigned long nbuffers, nclients, ndmabufs;
	unsigned long warnings;			/* kernel WARNs hit */
	unsigned long uaf;			/* touches of dead objects (mutants) */
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
 * or NULL with *@err.
 */
struct kion_device *kion_device_create(struct sim_machine *m,
				       const struct kion_config *cfg,
				       const struct heap_board *board,
				       int *err);
/* Tears down every client, dma-buf and buffer left, then the heaps. */
void kion_device_destroy(struct kion_device *dev);
/* The heap named @name, or NULL. */
struct heap *kion_heap_by_name(struct kion_device *dev, const char *name);
/* Add a /dev/dma_heap/@name node for heap @heap: 0, -EEXIST, -ENOSPC. */
int kion_dmaheap_add(struct kion_device *dev, const char *name,
		     struct heap *heap);

/* ------------------------------------------------------------------ */
/* Clients and handles (legacy)                                         */
/* ------------------------------------------------------------------ */

/* ion_client_create: @name for a driver's client, or the opener's tgid
 * when @proc is given.  NULL on -ENOMEM. */
struct kion_client *kion_client_create(struct kion_device *dev,
				       struct sim_proc *proc,
				       const char *name);
/* ion_client_destroy: every handle destroyed regardless of its kref. */
void kion_client_destroy(struct kion_client *client);

/* ion_alloc (kernel API and ioctl): a new buffer and handle; the handle
 * id is published.  Returns the handle or an ERR value in *@err. */
struct kion_handle *kion_alloc(struct kion_client *client, uint64_t len,
			       uint64_t align, unsigned int heap_id_mask,
			       unsigned int flags, int *err);
/* ion_free (kernel API): validate and drop one reference: 0 or -EINVAL. */
int kion_free(struct kion_client *client, struct kion_handle *handle);

/* ------------------------------------------------------------------ */
/* Buffers and dma-bufs                                                 */
/* ------------------------------------------------------------------ */

void kion_buffer_get(struct kion_buffer *buffer);
/* Drops a kref; at 0 the buffer leaves dev->buffers and its heap frees it
 * (or defers).  Returns 1 if this put destroyed it. */
int kion_buffer_put(struct kion_buffer *buffer);

/* dma_buf_export for an ION buffer: a new dma-buf file with one
 * reference (the caller's); takes a buffer kref.  NULL with *@err. */
struct kion_dmabuf *kion_dmabuf_export(struct kion_buffer *buffer,
				       const char *exp_name,
				       unsigned int f_flags, int *err);
/* The dma-buf behind @file, or NULL when it is not one (or not ION's). */
struct kion_dmabuf *kion_dmabuf_from_file(struct sim_file *file);

/* ------------------------------------------------------------------ */
/* Opening the devices (fds in process @p)                              */
/* ------------------------------------------------------------------ */

/* open("/dev/ion"): legacy, a new client per open.  Returns the fd or
 * -errno (-EMFILE, -ENOMEM, -ESRCH). */
int kion_ion_open(struct kion_device *dev, struct sim_proc *p,
		  unsigned int o_flags);
/* open("/dev/dma_heap/NAME"): -ENODEV when there is no such node. */
int kion_dmaheap_open(struct kion_device *dev, struct sim_proc *p,
		      const char *name, unsigned int o_flags);
/* open("/dev/ion-test"): the kernel's ION test driver (legacy 4.9). */
int kion_test_open(struct kion_device *dev, struct sim_proc *p,
		   unsigned int o_flags);

/* ------------------------------------------------------------------ */
/* Kernel API for simulated drivers (ion.h's in-kernel interface)       */
/* ------------------------------------------------------------------ */

/* ion_map_kernel / ion_unmap_kernel: handle and buffer kmap counts;
 * the host address, or NULL with *@err (-EINVAL for a handle not in the
 * client, -EOVERFLOW at INT_MAX in 4.9.337). */
void *kion_map_kernel(struct kion_client *client, struct kion_handle *handle,
		      int *err);
void kion_unmap_kernel(struct kion_client *client, struct kion_handle *handle);
/* ion_phys: contiguous heaps only (-ENODEV otherwise). */
int kion_phys(struct kion_client *client, struct kion_handle *handle,
	      uint64_t *addr, uint64_t *len);
/* ion_sg_table: the buffer's runs (borrowed), NULL with -EINVAL. */
const struct sim_run *kion_sg_table(struct kion_client *client,
				    struct kion_handle *handle,
				    unsigned int *nruns, int *err);
/* ion_share_dma_buf_fd: a new dma-buf fd for @handle in process @p. */
int kion_share_dma_buf_fd(struct kion_client *client,
			  struct kion_handle *handle, struct sim_proc *p);
/* ion_import_dma_buf_fd: a handle in @client for dma-buf fd @fd of @p. */
struct kion_handle *kion_import_dma_buf_fd(struct kion_client *client,
					   struct sim_proc *p, int fd,
					   int *err);
/* dma_buf_get / dma_buf_put by a driver: a file reference it holds. */
struct kion_dmabuf *kion_dma_buf_get(struct sim_proc *p, int fd, int *err);
void kion_dma_buf_put(struct kion_dmabuf *dmabuf);
/* dma_buf_attach / detach / map_attachment / unmap_attachment. */
struct kion_attachment *kion_dma_buf_attach(struct kion_dmabuf *dmabuf,
					    const char *dev_name, int *err);
void kion_dma_buf_detach(struct kion_attachment *att);
int kion_dma_buf_map_attachment(struct kion_attachment *att);
void kion_dma_buf_unmap_attachment(struct kion_attachment *att);

/* ------------------------------------------------------------------ */
/* Narration                                                            */
/* ------------------------------------------------------------------ */

/*
 * A trace hook, for --explain: called at every reference change with the
 * kernel function involved and what changed, in words with object
 * serials ("dma_buf 3 created, buffer 7 ref 1 -> 2").  No cost when unset.
 */
void kion_set_trace(struct kion_device *dev, kion_trace_fn fn, void *ctx);
void kion_tracef(struct kion_device *dev, const char *func, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

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

#endif /* IONSIM_MODEL_KION_H */
