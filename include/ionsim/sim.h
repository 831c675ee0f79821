/*
 * ionsim/sim.h - the simulated machine.
 *
 * This is the ground floor of ionsim: a small, deterministic machine that
 * the heaps and the ION model run on.  It has physical memory (one sparse
 * memfd), a buddy page allocator over RAM with Linux's orders 0..10,
 * reserved ranges that the buddy never sees (for carveout and chunk heaps),
 * CMA areas with their own bitmap, processes and threads with fd tables,
 * refcounted files with an ops table, fd passing, mappings that are real
 * shared mmaps of the memfd, one fault-injection point for every simulated
 * allocation, a seeded RNG, and mutexes that are preemption points for the
 * explorer.
 *
 * Nothing here knows the word "ion".  Functions that can fail return 0 or a
 * non-negative result on success and a negative errno (-ENOMEM, -EBADF, ...)
 * on failure, the way kernel functions do, unless their comment says
 * otherwise.  Nothing in this layer prints a host pointer, reads a clock or
 * depends on hash order, so the same calls give the same bytes out.
 */
#ifndef IONSIM_SIM_H
#define IONSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_PAGE_SHIFT 12
#define SIM_PAGE_SIZE (1UL << SIM_PAGE_SHIFT)
#define SIM_MAX_ORDER 11	/* orders 0..10, as Linux's MAX_ORDER = 11 */
#define SIM_MAX_REGIONS 16	/* reserved + CMA ranges per machine */
#define SIM_REGION_NAME_MAX 32
#define SIM_PROC_NAME_MAX 16	/* like TASK_COMM_LEN, NUL included */
#define SIM_DEFAULT_RAM (256ULL << 20)
#define SIM_DEFAULT_NOFILE 1024
#define SIM_REGION_ALIGN (1ULL << 20)	/* unplaced regions go after RAM, 1 MiB aligned */

struct sim_machine;
struct sim_proc;
struct sim_thread;
struct sim_file;
struct sim_vma;

/* ------------------------------------------------------------------ */
/* Configuration and boot                                               */
/* ------------------------------------------------------------------ */

enum sim_region_kind {
	SIM_REGION_RESERVED,	/* carveout / chunk: only its heap uses it */
	SIM_REGION_CMA,		/* CMA area: pages handed out by sim_cma_alloc */
};

struct sim_region_config {
	char name[SIM_REGION_NAME_MAX];
	enum sim_region_kind kind;
	bool has_base;		/* false: placed after RAM by sim_config_layout */
	uint64_t base;		/* physical address (valid once laid out) */
	uint64_t size;		/* bytes, a multiple of SIM_PAGE_SIZE */
};

struct sim_config {
	uint64_t ram_size;	/* bytes of buddy-managed RAM (before carve-outs) */
	uint64_t ram_base;	/* physical address of the first RAM byte */
	unsigned int nofile;	/* per-process fd limit (RLIMIT_NOFILE) */
	uint64_t seed;		/* seeds the machine's RNG */
	unsigned int nregions;
	struct sim_region_config regions[SIM_MAX_REGIONS];
};

/* Fills @cfg with the default machine: 256 MiB of RAM at 0, nofile 1024,
 * seed 1, no regions. */
void sim_config_default(struct sim_config *cfg);

/*
 * sim_config_add_region - append a reserved or CMA range to @cfg.
 * @base is used only when @has_base.  Returns the new region's index, or
 * -ENOSPC when the table is full, -EINVAL for a zero, unaligned or
 * overflowing size or base, -EEXIST for a duplicate name.  Overlaps are
 * found by sim_config_layout(), once every region is known.
 */
int sim_config_add_region(struct sim_config *cfg, const char *name,
			  enum sim_region_kind kind, bool has_base,
			  uint64_t base, uint64_t size);

/*
 * sim_config_layout - place the regions that have no base and check the
 * physical map.  Regions without a base go after RAM (and after any region
 * already placed), in table order, each 1 MiB aligned, skipping ranges taken
 * by based regions.  Returns 0, or -EINVAL with *@bad set to the index of
 * the first region that overlaps another (or overflows the address space).
 * Idempotent; sim_boot() calls it too.
 */
int sim_config_layout(struct sim_config *cfg, int *bad);

/*
 * sim_boot - build a machine from @cfg (NULL: the default machine).
 * Returns the machine, or NULL with *@err (if not NULL) set to a negative
 * errno: -EINVAL for a bad layout, -ENOMEM when the host is out of memory.
 * No page of simulated memory is touched: a 64 GiB machine is cheap.
 */
struct sim_machine *sim_boot(const struct sim_config *cfg, int *err);

/*
 * sim_shutdown - tear the machine down: every process exits, every file
 * and mapping goes, and the memory is returned to the host.  Returns the
 * number of kernel objects that were still allocated once everything the
 * machine itself owns was gone: 0 unless a layer above leaked (their
 * memory is not reclaimed).  NULL is a no-op returning 0.
 */
unsigned long sim_shutdown(struct sim_machine *m);

/* The configuration the machine booted with (regions laid out). */
const struct sim_config *sim_machine_config(const struct sim_machine *m);

/*
 * sim_parse_size - a size as machine descriptions write it: decimal or
 * 0x hex, with an optional binary suffix K, M or G (4K = 4096).  Returns
 * 0 with *@out set, -EINVAL for anything else (empty, junk, a bare
 * suffix), -ERANGE when it does not fit in 64 bits.
 */
int sim_parse_size(const char *s, uint64_t *out);

/* ------------------------------------------------------------------ */
/* Fault injection                                                      */
/* ------------------------------------------------------------------ */

enum sim_fault_kind {
	SIM_FAULT_PAGES,	/* buddy and CMA page allocations */
	SIM_FAULT_GENPOOL,	/* gen_pool allocations */
	SIM_FAULT_KOBJ,		/* kernel objects (sim_kzalloc) */
	SIM_FAULT_FD,		/* fd numbers */
	SIM_FAULT_NKINDS,
	SIM_FAULT_ANY = SIM_FAULT_NKINDS,	/* for sim_fault_arm: any kind */
};

/* "pages", "genpool", "kobj", "fd", "any"; NULL for a bad kind. */
const char *sim_fault_kind_name(enum sim_fault_kind kind);
/* The kind named @name, or -1. */
int sim_fault_kind_parse(const char *name);

/*
 * A decision hook, for a driver (the explorer) that wants to branch on a
 * fault point.  It is asked at every point that no armed fault decides and
 * returns true to make the allocation fail.
 */
typedef bool (*sim_fault_hook_fn)(void *ctx, enum sim_fault_kind kind);

/*
 * sim_should_fail - the one fault point.  Every simulated allocation calls
 * it just before it would succeed; true means "fail this one".  Counts the
 * call and, when it fails, the injection.
 */
bool sim_should_fail(struct sim_machine *m, enum sim_fault_kind kind);

/*
 * sim_fault_arm - make the @nth next allocation of @kind fail (1 = the very
 * next one).  SIM_FAULT_ANY counts allocations of every kind.  Several
 * armed faults may be pending at once; each fires once.  Returns 0, or
 * -EINVAL for nth == 0 or a bad kind, -ENOSPC when too many are pending.
 */
int sim_fault_arm(struct sim_machine *m, enum sim_fault_kind kind,
		  unsigned long nth);

/* Drops every armed fault (the hook stays). */
void sim_fault_disarm(struct sim_machine *m);

/* Installs (or with fn == NULL removes) the decision hook. */
void sim_fault_set_hook(struct sim_machine *m, sim_fault_hook_fn fn, void *ctx);

struct sim_fault_stats {
	unsigned long calls[SIM_FAULT_NKINDS];		/* fault points reached */
	unsigned long injected[SIM_FAULT_NKINDS];	/* of them, made to fail */
};
void sim_fault_stats(const struct sim_machine *m, struct sim_fault_stats *out);
/* Faults injected so far, all kinds together: O(1), for hot paths that
 * need to know whether an attempt met an injected fault. */
unsigned long sim_fault_injected_total(const struct sim_machine *m);

/* ------------------------------------------------------------------ */
/* Deterministic RNG (SplitMix64, as ../shared/BENCHMARKS.md uses)      */
/* ------------------------------------------------------------------ */

struct sim_rng {
	uint64_t state;
};

void sim_rng_seed(struct sim_rng *rng, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *rng);
/* Uniform in [0, n) by r mod n, as the reference workloads draw; n > 0. */
uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n);
/* (r >> 11) / 2^53: uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *rng);
/* The machine's own RNG, seeded from its config. */
struct sim_rng *sim_machine_rng(struct sim_machine *m);

/* ------------------------------------------------------------------ */
/* Kernel objects                                                       */
/* ------------------------------------------------------------------ */

/*
 * sim_kzalloc - a zeroed kernel object of @size bytes.  Goes through the
 * SIM_FAULT_KOBJ fault point.  Returns NULL (and changes nothing) on an
 * injected or a real host failure.  Every object must go back through
 * sim_kfree(); the machine counts the live ones.
 */
void *sim_kzalloc(struct sim_machine *m, size_t size);
void sim_kfree(struct sim_machine *m, void *obj);
/* Kernel objects allocated and not yet freed. */
unsigned long sim_kobj_live(const struct sim_machine *m);

/* ------------------------------------------------------------------ */
/* Physical memory                                                      */
/* ------------------------------------------------------------------ */

struct sim_region {
	char name[SIM_REGION_NAME_MAX];
	enum sim_region_kind kind;
	uint64_t base;		/* physical address */
	uint64_t size;		/* bytes */
};

/* The machine's regions, in config order (@idx < sim_region_count()). */
unsigned int sim_region_count(const struct sim_machine *m);
const struct sim_region *sim_region_get(const struct sim_machine *m,
					unsigned int idx);
/* The index of the region called @name, or -ENOENT. */
int sim_region_find(const struct sim_machine *m, const char *name);

/* Pages of RAM the buddy manages (Linux's totalram_pages). */
uint64_t sim_ram_pages(const struct sim_machine *m);

/* True when [@phys, @phys + @len) lies inside RAM or inside one region. */
bool sim_phys_valid(const struct sim_machine *m, uint64_t phys, uint64_t len);

/*
 * sim_phys_read / sim_phys_write / sim_phys_zero - copy bytes out of,
 * into, or zero a range of simulated physical memory.  Return 0 or
 * -EFAULT when the range is not valid memory (-ENOMEM when the host cannot
 * back it).  Zeroing whole pages gives them back to the host (the memfd
 * stays sparse).
 */
int sim_phys_read(struct sim_machine *m, uint64_t phys, void *buf, size_t len);
int sim_phys_write(struct sim_machine *m, uint64_t phys, const void *buf,
		   size_t len);
int sim_phys_zero(struct sim_machine *m, uint64_t phys, uint64_t len);

/* Bytes of simulated memory the host really holds now (memfd blocks). */
uint64_t sim_phys_resident(struct sim_machine *m);

/* A physically contiguous run of memory: one scatterlist entry. */
struct sim_run {
	uint64_t phys;		/* physical address, page aligned */
	uint64_t len;		/* bytes, a multiple of SIM_PAGE_SIZE */
};

/*
 * sim_kmap_runs - map @n runs into one contiguous host range, as vmap()
 * does, with real shared mappings of the memfd.  Returns the host address
 * or NULL (-ENOMEM in *@err when not NULL; -EINVAL when no run is given or
 * a run is not page-aligned valid memory).  Undo with sim_kunmap().
 */
void *sim_kmap_runs(struct sim_machine *m, const struct sim_run *runs,
		    unsigned int n, int *err);
void sim_kunmap(struct sim_machine *m, void *addr, uint64_t len);

/* ------------------------------------------------------------------ */
/* Buddy page allocator over RAM                                        */
/* ------------------------------------------------------------------ */

/*
 * sim_pages_alloc - take a free block of 2^@order pages, splitting a
 * larger one as Linux's expand() does (the lower half is kept, the upper
 * halves go on the free lists).  Goes through SIM_FAULT_PAGES.  Returns 0
 * with the block's first pfn in *@pfn, -ENOMEM when no block is free, or
 * -EINVAL for order >= SIM_MAX_ORDER.  The pages' contents are whatever
 * the last owner left: zero them if the caller promises zeroed pages.
 */
int sim_pages_alloc(struct sim_machine *m, unsigned int order, uint64_t *pfn);

/*
 * sim_pages_free - give back a block taken with sim_pages_alloc() (or a
 * page of one split with sim_pages_split()), merging with free buddies.
 * Freeing a block that is not allocated at that order is a caller bug:
 * it is reported once per machine on stderr and ignored.
 */
void sim_pages_free(struct sim_machine *m, uint64_t pfn, unsigned int order);

/* split_page(): turn an allocated block of 2^@order pages into 2^@order
 * allocated order-0 pages, each freed on its own. */
void sim_pages_split(struct sim_machine *m, uint64_t pfn, unsigned int order);

static inline uint64_t sim_pfn_to_phys(uint64_t pfn)
{
	return pfn << SIM_PAGE_SHIFT;
}

static inline uint64_t sim_phys_to_pfn(uint64_t phys)
{
	return phys >> SIM_PAGE_SHIFT;
}

/* Free blocks per order (nr_free of each free_area). */
void sim_buddy_counts(const struct sim_machine *m,
		      unsigned long counts[SIM_MAX_ORDER]);
/* Free pages in the buddy. */
uint64_t sim_buddy_free_pages(const struct sim_machine *m);
/* The largest order with a free block, or -1 when nothing is free. */
int sim_buddy_largest_order(const struct sim_machine *m);
/*
 * sim_buddy_foreach_free - every free block, order 0 first, each order's
 * list from its head: the order in which allocations will take them.
 * @fn returns non-zero to stop, which is then returned; else 0.
 */
int sim_buddy_foreach_free(const struct sim_machine *m,
			   int (*fn)(void *ctx, unsigned int order,
				     uint64_t pfn),
			   void *ctx);

/*
 * Linux's extfrag indices (mm/vmstat.c), in thousandths:
 * sim_unusable_index - the share of free pages not in free blocks of
 * @order or more (0..1000; 0 when nothing is free);
 * sim_fragmentation_index - why a request of @order would fail: -1000 when
 * it would not fail, else 0 (lack of memory) .. 1000 (fragmentation); the
 * kernel's formula dips below 0 (to -500) when a single block is free.
 */
int sim_unusable_index(const struct sim_machine *m, unsigned int order);
int sim_fragmentation_index(const struct sim_machine *m, unsigned int order);

/* The text of /proc/buddyinfo, /sys/kernel/debug/extfrag/unusable_index
 * and .../extfrag_index for the machine's one node and zone ("Normal"). */
void sim_buddyinfo_show(const struct sim_machine *m, FILE *out);
void sim_unusable_index_show(const struct sim_machine *m, FILE *out);
void sim_extfrag_index_show(const struct sim_machine *m, FILE *out);

/* ------------------------------------------------------------------ */
/* CMA areas                                                            */
/* ------------------------------------------------------------------ */

/*
 * sim_cma_alloc - take @count contiguous pages from the CMA area that is
 * region @region, the run's first pfn aligned to 2^@align_order pages
 * (relative to physical address 0, as cma_alloc aligns pfns).  Lowest fit
 * first.  Goes through SIM_FAULT_PAGES.  Returns 0 with *@pfn set, -ENOMEM
 * when no aligned run is free, -EINVAL for a region that is not CMA or
 * count == 0.
 */
int sim_cma_alloc(struct sim_machine *m, unsigned int region,
		  unsigned long count, unsigned int align_order, uint64_t *pfn);
/* cma_release: -EINVAL when the run is not inside the area or not in use. */
int sim_cma_release(struct sim_machine *m, unsigned int region, uint64_t pfn,
		    unsigned long count);
/* Free pages, and the longest free run (pages), of a CMA area. */
unsigned long sim_cma_free_pages(const struct sim_machine *m, unsigned int region);
unsigned long sim_cma_largest_free(const struct sim_machine *m,
				   unsigned int region);

/* ------------------------------------------------------------------ */
/* Mutexes: preemption points for the explorer                          */
/* ------------------------------------------------------------------ */

/*
 * A sim_mutex is a kernel lock (client->lock, dev->lock, ...).  In replay
 * it only records its owner.  Under the explorer each lock and unlock is a
 * point where the scheduler may switch threads (sim_set_sched_hook).
 */
struct sim_mutex {
	const char *name;	/* lock class, for traces */
	struct sim_thread *owner;	/* NULL when free */
};

enum sim_sched_point { SIM_SCHED_LOCK, SIM_SCHED_UNLOCK };
typedef void (*sim_sched_hook_fn)(void *ctx, enum sim_sched_point what,
				  struct sim_mutex *lock);

void sim_mutex_init(struct sim_mutex *lock, const char *name);
void sim_mutex_lock(struct sim_machine *m, struct sim_mutex *lock);
void sim_mutex_unlock(struct sim_machine *m, struct sim_mutex *lock);
void sim_set_sched_hook(struct sim_machine *m, sim_sched_hook_fn fn, void *ctx);
/* How many sim_mutexes are held now, by anyone: at a SIM_SCHED_LOCK point
 * the count before the acquire, at SIM_SCHED_UNLOCK the count after the
 * release.  0 there means the running thread is between critical
 * sections. */
unsigned int sim_locks_held(const struct sim_machine *m);

/* ------------------------------------------------------------------ */
/* Processes and threads                                                */
/* ------------------------------------------------------------------ */

/*
 * sim_proc_spawn - a new process called @name (truncated to 15 bytes)
 * with pid @pid, or the next free pid when @pid is 0 (100, 101, ...).
 * fds 0, 1 and 2 are open on the machine's terminal.  Returns the process
 * or NULL with *@err: -EEXIST for a pid in use, -EINVAL for a negative
 * pid, -ENOMEM.
 */
struct sim_proc *sim_proc_spawn(struct sim_machine *m, const char *name,
				int pid, int *err);
/* The process (live or exited) with @pid, or NULL. */
struct sim_proc *sim_proc_find(struct sim_machine *m, int pid);
int sim_proc_pid(const struct sim_proc *p);
const char *sim_proc_name(const struct sim_proc *p);
bool sim_proc_alive(const struct sim_proc *p);
struct sim_machine *sim_proc_machine(const struct sim_proc *p);
/* The main thread (tid == pid). */
struct sim_thread *sim_proc_main_thread(struct sim_proc *p);

/*
 * sim_proc_fork - a child of @parent: a copy of its fd table (each fd
 * takes a file reference, fd flags kept) and of its mappings (each new
 * mapping shares the same pages, takes a file reference and calls the
 * vm_ops open hook), with the next free pid and the parent's name.
 * Returns the child or NULL with *@err (-ESRCH for a dead parent, -ENOMEM).
 */
struct sim_proc *sim_proc_fork(struct sim_proc *parent, int *err);

/*
 * sim_proc_exit - the process exits: every mapping is dropped (ascending
 * user address), then every fd is closed in ascending order, once each.
 * The process stays findable as a zombie; every fd, mapping, fork or
 * thread call on it fails with -ESRCH from then on.  Returns 0, or -ESRCH
 * when it had exited already.
 */
int sim_proc_exit(struct sim_proc *p);

/* A new thread of @p named @name; NULL with *@err on failure. */
struct sim_thread *sim_thread_create(struct sim_proc *p, const char *name,
				     int *err);
int sim_thread_tid(const struct sim_thread *t);
struct sim_proc *sim_thread_proc(const struct sim_thread *t);

/* Visit every process in pid order; stop early when @fn returns non-zero
 * (that value is returned). */
int sim_proc_foreach(struct sim_machine *m,
		     int (*fn)(struct sim_proc *p, void *ctx), void *ctx);

/* ------------------------------------------------------------------ */
/* Files and fd tables                                                  */
/* ------------------------------------------------------------------ */

/* open(2) access modes and fd flags this layer understands. */
#define SIM_O_RDONLY 00
#define SIM_O_WRONLY 01
#define SIM_O_RDWR 02
#define SIM_O_ACCMODE 03
#define SIM_O_CLOEXEC 02000000
#define SIM_FD_CLOEXEC 1	/* per-fd flag */

/* f_mode bits, as Linux's FMODE_* */
#define SIM_FMODE_READ 0x1
#define SIM_FMODE_WRITE 0x2
#define SIM_FMODE_LSEEK 0x4

struct sim_file_ops {
	const char *kind;	/* "tty", "dma-buf", "ion", ...: for reports */
	/* Last reference gone.  The file struct is freed after it returns. */
	void (*release)(struct sim_file *f);
	/* An ioctl; @arg is a user pointer (a host address) or a value.
	 * Returns >= 0 or -errno.  NULL: every ioctl is -ENOTTY. */
	long (*ioctl)(struct sim_file *f, struct sim_thread *t,
		      unsigned long cmd, unsigned long arg);
	/* Fill @vma's pages with sim_vma_map_runs().  NULL: -ENODEV. */
	int (*mmap)(struct sim_file *f, struct sim_vma *vma);
	/* lseek; NULL: -ESPIPE. */
	int64_t (*llseek)(struct sim_file *f, int64_t off, int whence);
};

struct sim_file {
	unsigned long count;	/* references: fds, mappings, kernel, in flight */
	const struct sim_file_ops *ops;
	void *private_data;	/* the driver's object */
	unsigned int f_flags;	/* open flags, without O_CLOEXEC */
	unsigned int f_mode;	/* SIM_FMODE_* */
	uint64_t ino;		/* serial per machine, from 1: stable across runs */
	struct sim_machine *m;
};

/*
 * sim_file_new - a file with one reference (the caller's).  Goes through
 * SIM_FAULT_KOBJ.  NULL with *@err = -ENOMEM on failure.
 */
struct sim_file *sim_file_new(struct sim_machine *m,
			      const struct sim_file_ops *ops, void *priv,
			      unsigned int f_flags, unsigned int f_mode,
			      int *err);
/* get_file(): one more reference. */
void sim_file_get(struct sim_file *f);
/* fput(): drop a reference; the last one calls ops->release and frees. */
void sim_file_put(struct sim_file *f);

/*
 * sim_fd_install - get_unused_fd_flags() + fd_install(): put @f in @p's
 * table at the lowest free number, consuming one of the caller's
 * references.  @flags: SIM_O_CLOEXEC or 0.  Goes through SIM_FAULT_FD.
 * Returns the fd, or -EMFILE (the table is at the limit, or a fault was
 * injected), -ENOMEM (the table could not grow) or -ESRCH (@p has
 * exited); the caller keeps its reference then.
 */
int sim_fd_install(struct sim_proc *p, struct sim_file *f, unsigned int flags);

/* fget(): the file behind @fd with one more reference, or NULL (EBADF). */
struct sim_file *sim_fget(struct sim_proc *p, int fd);
/* The file behind @fd, borrowed (no reference), or NULL. */
struct sim_file *sim_fd_peek(const struct sim_proc *p, int fd);
/* close(2): 0, or -EBADF. */
int sim_fd_close(struct sim_proc *p, int fd);
/* dup(2): the new fd (lowest free), or -EBADF / -EMFILE. */
int sim_fd_dup(struct sim_proc *p, int fd);
/* fcntl(F_GETFD): SIM_FD_CLOEXEC or 0, or -EBADF (-ESRCH once exited). */
int sim_fd_get_flags(const struct sim_proc *p, int fd);
/* Open fds of @p. */
unsigned int sim_fd_count(const struct sim_proc *p);
/* Visit every open fd in ascending order. */
int sim_fd_foreach(struct sim_proc *p,
		   int (*fn)(struct sim_proc *p, int fd, struct sim_file *f,
			     void *ctx), void *ctx);

/*
 * fd passing over a socket (SCM_RIGHTS).  sim_fd_send_begin takes a file
 * reference for the message in flight and returns its token (> 0);
 * sim_fd_send_end installs it in @to (consuming the reference; returns the
 * new fd); sim_fd_send_abort drops it.  sim_fd_send does both at once.
 * Errors: -EBADF (bad fd), -ESRCH (dead sender or receiver), -EMFILE,
 * -ENOENT (no such token), -ENOMEM.
 */
int sim_fd_send_begin(struct sim_proc *from, int fd);
int sim_fd_send_end(struct sim_machine *m, int token, struct sim_proc *to);
int sim_fd_send_abort(struct sim_machine *m, int token);
int sim_fd_send(struct sim_proc *from, int fd, struct sim_proc *to);
/* Messages in flight, and a visit of each (token order). */
unsigned int sim_inflight_count(const struct sim_machine *m);
int sim_inflight_foreach(struct sim_machine *m,
			 int (*fn)(int token, struct sim_file *f, void *ctx),
			 void *ctx);

/* The machine's terminal file (fds 0-2 of every process point at it). */
struct sim_file *sim_tty(struct sim_machine *m);

/* ------------------------------------------------------------------ */
/* Mappings                                                             */
/* ------------------------------------------------------------------ */

#define SIM_PROT_READ 0x1
#define SIM_PROT_WRITE 0x2
#define SIM_MAP_SHARED 0x01
#define SIM_MAP_PRIVATE 0x02

struct sim_vm_ops {
	void (*open)(struct sim_vma *vma);	/* a copy was made (fork) */
	void (*close)(struct sim_vma *vma);	/* the mapping goes away */
};

struct sim_vma {
	struct sim_proc *proc;	/* owner */
	uint64_t uaddr;		/* simulated user address: per process, stable */
	void *host;		/* where the host really mapped it */
	uint64_t len;		/* bytes, page aligned */
	uint64_t pgoff;		/* offset into the file, in pages */
	int prot;		/* SIM_PROT_* */
	int flags;		/* SIM_MAP_* */
	struct sim_file *file;	/* holds one reference, as vm_file */
	const struct sim_vm_ops *vm_ops;	/* set by the file's mmap */
	void *vm_private_data;	/* the driver's */
	uint64_t mapped;	/* bytes filled by sim_vma_map_runs so far */
};

/*
 * sim_mmap - mmap(2) of @fd in @p: checks the fd (EBADF), the length
 * (EINVAL for 0), the access mode against the prot (EACCES), reserves a
 * host range, calls the file's mmap (ENODEV without one), and records the
 * mapping with a file reference.  Returns 0 with *@out set, or -errno.
 */
int sim_mmap(struct sim_proc *p, int fd, uint64_t len, int prot, int flags,
	     uint64_t offset, struct sim_vma **out);

/*
 * sim_vma_map_runs - for a file's mmap op: map @n physical runs, skipping
 * the first @skip bytes of them, into @vma from vma->mapped on, until the
 * vma is full.  Returns 0 or -ENOMEM / -EINVAL (runs too short).
 */
int sim_vma_map_runs(struct sim_vma *vma, const struct sim_run *runs,
		     unsigned int n, uint64_t skip);

/* munmap(2) of the mapping that starts at host address @host and spans
 * @len bytes: 0, or -EINVAL when no whole mapping is there. */
int sim_munmap(struct sim_proc *p, void *host, uint64_t len);
/* munmap(2) of the whole mapping that starts at user address @uaddr:
 * as sim_munmap. */
int sim_munmap_uaddr(struct sim_proc *p, uint64_t uaddr, uint64_t len);
/*
 * Lazy mappings.  With @on, user mappings made from now on get no host
 * range until something asks for one (sim_vma_host): a caller that only
 * reaches their bytes through sim_vma_access (the scenario interpreter)
 * costs the host no mmap and no munmap per mapping.  Off by default:
 * the embedding API hands host pointers out.
 */
void sim_set_lazy_mappings(struct sim_machine *m, bool on);
/* The host address of @vma's bytes, making the host range now if it has
 * none yet; NULL when the host refuses. */
void *sim_vma_host(struct sim_vma *vma);
/* Copies @len bytes at offset @off of @vma's mapped part to (@write:
 * from) @buf, through physical memory.  0, or -EFAULT past what is
 * mapped, -ENOMEM when the host fails.  No protection check: the
 * caller's, as a page fault would be. */
int sim_vma_access(struct sim_vma *vma, uint64_t off, void *buf,
		   uint64_t len, bool write);
/* Unmap one mapping (its close hook runs, its file reference is put). */
void sim_vma_unmap(struct sim_vma *vma);
/* The mapping at simulated user address @uaddr, or containing host
 * address @host; NULL when none. */
struct sim_vma *sim_vma_find_uaddr(struct sim_proc *p, uint64_t uaddr);
struct sim_vma *sim_vma_find_host(struct sim_proc *p, const void *host);
unsigned int sim_vma_count(const struct sim_proc *p);
/* Visit every mapping of @p in ascending user address order. */
/* Where @p's next mapping will start (user address): it follows the
 * process's mapping history. */
uint64_t sim_proc_next_uaddr(const struct sim_proc *p);
int sim_vma_foreach(struct sim_proc *p,
		    int (*fn)(struct sim_vma *vma, void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* IONSIM_SIM_H */
