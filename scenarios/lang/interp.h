/*
 * scenarios/lang/interp.h - the interpreter's private half: the state of
 * one run and what its files (interp.c, interp_steps.c, interp_driver.c,
 * expect.c, report.c) share.
 *
 * A run keeps, per actor, the simulated process and thread its steps run
 * on and the variables bound in that process.  A variable is a number as
 * the program would hold it (an fd, a handle id, a mapping's simulated
 * user address, a slot of one of the run's driver tables) plus what kind
 * of number it is, so that `refs PROC VAR` can find the buffer behind
 * it.  Operations receive the raw number whatever its kind: a program
 * that closes a mapping's address as if it were an fd gets the kernel's
 * answer (EBADF), exactly as a C program would.
 *
 * Nothing here holds a pointer into the model that could outlive its
 * object: handles are kept as ids and looked up when used, mappings as
 * user addresses; the driver tables hold dma-bufs only while a
 * dma_buf_get of the run pins them, and clients until their destroy.
 */
#ifndef IONSIM_SCN_INTERP_H
#define IONSIM_SCN_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "ionsim/uapi/dma-buf.h"
#include "ionsim/uapi/dma-heap.h"
#include "ionsim/uapi/ion.h"
#include "model/locks.h"
#include "scenarios/lang/scn.h"

/* What a bound variable's number is. */
enum scn_var_kind {
	SCN_VAR_UNBOUND = 0,
	SCN_VAR_FD,		/* an fd of the variable's process */
	SCN_VAR_HANDLE,		/* a handle id; aux: its /dev/ion fd */
	SCN_VAR_MAPPING,	/* a mapping's simulated user address */
	SCN_VAR_ATTACH,		/* a slot of run->atts */
	SCN_VAR_CLIENT,		/* a slot of run->clients */
	SCN_VAR_KHANDLE,	/* a handle id; aux: its client's slot */
	SCN_VAR_GET,		/* a slot of run->gets */
	SCN_VAR_PID,		/* a forked child's pid */
};

struct scn_var {
	int64_t value;
	int32_t aux;		/* see enum scn_var_kind */
	uint8_t kind;		/* enum scn_var_kind; 0: unbound */
};

/* One actor as the run sees it. */
struct scn_actor_rt {
	/* whose process and variables: itself, or a thread's process */
	int owner;
	struct sim_proc *proc;	/* NULL: kernel, driver, not forked yet */
	struct sim_thread *thread;	/* where its steps run */
	/* nvars of them; NULL for a thread, which uses its owner's */
	struct scn_var *vars;
};

/* A driver's ion client (`DRV client -> C`); NULL once destroyed. */
struct scn_client_slot {
	struct kion_client *client;
	int actor;		/* the driver that made it */
};

/* A driver's dma_buf_get (`DRV get FD from PROC -> B`); NULL once put. */
struct scn_get_slot {
	struct kion_dmabuf *db;
};

/* An attachment (`attach FD DEVICE -> A`), with the dma_buf_get that
 * keeps its dma-buf alive until the detach. */
struct scn_att_slot {
	struct kion_dmabuf *db;
	struct kion_attachment *att;	/* NULL once detached */
};

/*
 * Where a step's ioctl arguments live: memory of the run that the run
 * vouches for while a step executes (kion_uaccess_trust), so that the
 * model's copy_from_user and copy_to_user of them are plain copies
 * instead of a syscall each.
 */
struct scn_scratch {
	union {
		struct ion_allocation_data alloc;
		struct ion_new_allocation_data new_alloc;
		struct ion_handle_data handle;
		struct ion_fd_data fd;
		struct ion_heap_query query;
		struct dma_heap_allocation_data heap_alloc;
		struct dma_buf_sync sync;
	} arg;
	struct ion_heap_data heaps[HEAP_MAX_HEAPS];	/* HEAP_QUERY list */
};

/* Steps in progress at once: a step, and those run inside it at its
 * preemption points (each may be preempted in turn). */
#define SCN_MAX_NEST 8
/* `preempt` lines that may wait for one step. */
#define SCN_MAX_PLAN 8

/* A step in progress (schedule.c). */
struct scn_frame {
	unsigned int step;
	/* points between critical sections met so far, by SIM_SCHED_* and
	 * lock class: what a `preempt NTH` counts */
	unsigned long points[2][KION_NLOCK_CLASSES];
	/* replay: the `preempt` lines armed for this step, and which fired */
	unsigned int plan[SCN_MAX_PLAN];
	bool fired[SCN_MAX_PLAN];
	unsigned int nplan;
};

struct scn_run {
	const struct scn_program *p;
	struct scn_hooks hooks;
	struct sim_machine *m;
	struct kion_device *dev;
	struct scn_actor_rt *rt;	/* one per program actor */
	/* the variables of every non-thread actor, in one block */
	struct scn_var *var_pool;
	int *fork_child;	/* per step: the actor a fork makes, or -1 */
	/* The driver tables; a variable holds a row's index.  Rows are
	 * never reused, so a stale index finds an emptied row. */
	struct scn_client_slot *clients;
	unsigned int nclients, clients_cap;
	struct scn_get_slot *gets;
	unsigned int ngets, gets_cap;
	struct scn_att_slot *atts;
	unsigned int natts, atts_cap;
	struct scn_report rep;
	unsigned int findings_cap;	/* rep.findings allocated */
	/* What the per-step checks have already reported, so that a lasting
	 * violation is one finding, not one per step. */
	int quick_seen;		/* kion_audit_quick's counter violations */
	unsigned long warnings_seen, uaf_seen;
	bool finished;		/* scn_run_finish has filled rep */
	/* ioctl arguments, one per step in progress (a preempting step must
	 * not overwrite the preempted one's) */
	struct scn_scratch scratch[SCN_MAX_NEST];
	struct scn_frame frames[SCN_MAX_NEST];	/* the steps in progress */
	unsigned int nest;		/* how many */
	/* `preempt` lines read, waiting for the next actor step */
	unsigned int pending[SCN_MAX_PLAN];
	unsigned int npending;
	scn_preempt_fn preempt;		/* scn_run_set_preempt's */
	void *preempt_ctx;
	unsigned int cursor;		/* scn_run_all: the next step in file order */
};

/* One step being executed: the operation functions' view. */
struct scn_ctx {
	struct scn_run *run;
	const struct scn_step *s;
	struct scn_event ev;
	struct sim_proc *proc;		/* the actor's process, or NULL */
	struct sim_thread *thread;
	struct scn_scratch *scratch;	/* its ioctl arguments */
	struct scn_var *vars;		/* its process's variables */
	struct scn_var out;		/* what `-> V` binds on success */
	bool skipped;			/* an operand was unbound */
	int unbound;			/* then: which variable */
};

/* An operation: 0 or a negative errno; on success it may have set
 * c->ev.ret and c->out (scn_run_result). */
typedef int (*scn_exec_fn)(struct scn_ctx *c);

/* ---- interp.c: operands, actors, findings --------------------------- */

/*
 * scn_run_operand - the number operand @i stands for: a literal, or the
 * variable's value in the actor's process (no operand written: -1).
 * false, with c->skipped and c->unbound set, when the variable is
 * unbound: the operation must then do nothing and return.
 */
bool scn_run_operand(struct scn_ctx *c, unsigned int i, int64_t *out);
/* The same as an int (an fd, a handle id, a slot): a number outside
 * int's range becomes -1, which every call refuses as the kernel does. */
bool scn_run_operand_int(struct scn_ctx *c, unsigned int i, int *out);
/* Both, for an operand that is a variable of another process (@vars):
 * the FD of a driver's `import C FD from PROC` and `get FD from PROC`. */
bool scn_run_operand_in(struct scn_ctx *c, unsigned int i,
			const struct scn_var *vars, int64_t *out);
bool scn_run_operand_int_in(struct scn_ctx *c, unsigned int i,
			    const struct scn_var *vars, int *out);
/* A success that binds @value (of @kind, with @aux) and reports it as
 * the step's result: returns 0. */
int scn_run_result(struct scn_ctx *c, enum scn_var_kind kind, int64_t value,
		   int32_t aux);
/* "camera alloc", or "fail" for a step without an actor, into @buf. */
void scn_run_step_words(const struct scn_run *run, const struct scn_step *s,
			char *buf, size_t len);
/* The variables of @actor's process (the actor's own unless a thread). */
struct scn_var *scn_run_vars(struct scn_run *run, int actor);
/* The live or exited process of actor @actor, or NULL when it has none. */
struct sim_proc *scn_run_proc(struct scn_run *run, int actor);
/* The process of the step's `other` actor, or NULL (none, or not yet). */
struct sim_proc *scn_run_other_proc(struct scn_ctx *c);
/*
 * scn_run_finding - append a finding of @kind about step @s (NULL: the
 * end of the run) with a message made from @fmt.  Past SCN_MAX_FINDINGS,
 * or without host memory, it is only counted (findings_dropped).
 * Returns the finding, or NULL when it was not kept.
 */
struct scn_finding *scn_run_finding(struct scn_run *run,
				    enum scn_finding_kind kind,
				    const struct scn_step *s, const char *fmt,
				    ...) __attribute__((format(printf, 4, 5)));
/* Makes room for row @n of a table of @size-byte rows (*@rows, *@cap
 * allocated): 0, or -ENOMEM with the table unchanged. */
int scn_run_table_grow(void **rows, unsigned int n, unsigned int *cap,
		       size_t size);

/* ---- schedule.c: preemption points ----------------------------------- */

/* preempt NTH lock|unlock CLASS: armed for the next actor step. */
int scn_exec_preempt(struct scn_ctx *c);
/* The `preempt` lines waiting for the next actor step, which will not
 * run: each a skipped finding saying @why, and none waits any more. */
void scn_run_drop_pending(struct scn_run *run, const char *why);
/* At the end of the step in progress (before its frame goes): a skipped
 * finding for each of its `preempt` lines whose point never came. */
void scn_run_missed_preemptions(struct scn_run *run);

/* ---- interp_steps.c: system calls and the kernel's threads ---------- */

/* Each returns 0 or the negative errno the step failed with. */

/* open PATH -> V: /dev/ion, /dev/ion-test or /dev/dma_heap/NAME, as
 * libion opens them (read-only, close-on-exec); anything else ENOENT. */
int scn_exec_open(struct scn_ctx *c);
/* alloc ION LEN ...: ION_IOC_ALLOC (legacy: V is the handle) or the
 * 4.12+ ALLOC (V is the dma-buf fd), by the device's ABI. */
int scn_exec_alloc(struct scn_ctx *c);
/* free ION H: ION_IOC_FREE. */
int scn_exec_free(struct scn_ctx *c);
/* share / map ION H -> V: ION_IOC_SHARE or ION_IOC_MAP; V the fd. */
int scn_exec_share(struct scn_ctx *c);
/* import ION FD -> V: ION_IOC_IMPORT; V the handle. */
int scn_exec_import(struct scn_ctx *c);
/* sync ION FD: ION_IOC_SYNC. */
int scn_exec_sync(struct scn_ctx *c);
/* query ION: HEAP_QUERY for the count, then for that many entries. */
int scn_exec_query(struct scn_ctx *c);
/* heapalloc HEAPFD LEN -> V: DMA_HEAP_IOCTL_ALLOC; V the fd. */
int scn_exec_heapalloc(struct scn_ctx *c);
/* dup FD -> V, close FD: the fd table's. */
int scn_exec_dup(struct scn_ctx *c);
int scn_exec_close(struct scn_ctx *c);
/* send FD to PROC -> V: fd passing; V binds in PROC.  ESRCH when PROC
 * has no process (yet). */
int scn_exec_send(struct scn_ctx *c);
/* mmap FD [LEN] -> M: a shared mapping, LEN by default the buffer's size
 * past the offset (lseek SEEK_END), one page for a file that cannot
 * tell; M the simulated user address. */
int scn_exec_mmap(struct scn_ctx *c);
/* munmap M: the whole mapping that starts at M, else EINVAL. */
int scn_exec_munmap(struct scn_ctx *c);
/* write / read M OFFSET ...: stores and loads inside one mapping whose
 * protection allows them, else EFAULT (where a process would fault);
 * read's other bytes are a READ finding, not a failure. */
int scn_exec_write(struct scn_ctx *c);
int scn_exec_read(struct scn_ctx *c);
/* cpu_begin / cpu_end FD [DIR]: DMA_BUF_IOCTL_SYNC START or END. */
int scn_exec_cpu_sync(struct scn_ctx *c);
/* fork -> CHILD: the child actor gets the process and a copy of the
 * parent's variables; its declared threads are made.  (interp.c) */
int scn_exec_fork(struct scn_ctx *c);
/* exit: mappings, then fds; ESRCH when already exited. */
int scn_exec_exit(struct scn_ctx *c);
/* kernel drain HEAP / shrink HEAP PAGES: the result is bytes drained /
 * pages given back; ENODEV for a heap the device does not have. */
int scn_exec_drain(struct scn_ctx *c);
int scn_exec_shrink(struct scn_ctx *c);
/* fail NTH KIND: sim_fault_arm's result. */
int scn_exec_fail(struct scn_ctx *c);

/* ---- interp_driver.c: ION's kernel API --------------------------------- */

/* kmap / kunmap ION H: ion_map_kernel / ion_unmap_kernel through the
 * client behind the process's /dev/ion fd: EBADF for no such fd, EINVAL
 * for another file or a handle the client does not have. */
int scn_exec_kmap(struct scn_ctx *c);
int scn_exec_kunmap(struct scn_ctx *c);
/* attach FD DEVICE -> A: the device's driver takes a dma_buf_get of FD's
 * dma-buf (EBADF, EINVAL as dma_buf_get answers) and attaches. */
int scn_exec_attach(struct scn_ctx *c);
/* detach / dmamap / dmaunmap A: EINVAL for an attachment that is not
 * (or no longer) there; detach also puts the attach's dma_buf_get. */
int scn_exec_detach(struct scn_ctx *c);
int scn_exec_dmamap(struct scn_ctx *c);
int scn_exec_dmaunmap(struct scn_ctx *c);
/* DRV client -> C: ion_client_create named after the driver. */
int scn_exec_kclient(struct scn_ctx *c);
/* DRV alloc / free / kmap / kunmap C H: ion_alloc (V the handle id),
 * ion_free, ion_map_kernel, ion_unmap_kernel; EINVAL for a destroyed or
 * unknown client or a handle it does not have. */
int scn_exec_kalloc(struct scn_ctx *c);
int scn_exec_kfree(struct scn_ctx *c);
int scn_exec_kmap_kernel(struct scn_ctx *c);
int scn_exec_kunmap_kernel(struct scn_ctx *c);
/* DRV share C H to PROC -> V: ion_share_dma_buf_fd; V binds in PROC. */
int scn_exec_kshare(struct scn_ctx *c);
/* DRV import C FD from PROC -> H: ion_import_dma_buf_fd of PROC's FD. */
int scn_exec_kimport(struct scn_ctx *c);
/* DRV get FD from PROC -> B / put B: dma_buf_get and dma_buf_put; a
 * second put of one get is refused (EINVAL), not made. */
int scn_exec_kget(struct scn_ctx *c);
int scn_exec_kput(struct scn_ctx *c);
/* DRV destroy C: ion_client_destroy. */
int scn_exec_kdestroy(struct scn_ctx *c);
/* The handle with id @id in @client, borrowed for the call, or NULL. */
struct kion_handle *scn_run_handle(struct kion_client *client, int id);
/* The buffer behind @p's dma-buf fd @fd, or NULL. */
struct kion_buffer *scn_run_fd_buffer(struct sim_proc *p, int fd);
/* The ion client of driver client slot @slot, or NULL. */
struct kion_client *scn_run_client(struct scn_run *run, int slot);
/* Fills the allocation fields of @ev from @buffer (NULL: leaves them). */
void scn_run_event_buffer(struct scn_event *ev,
			  const struct kion_buffer *buffer);

/* ---- expect.c: expressions --------------------------------------------- */

/*
 * scn_run_term_value - the value of @e's term now; false with *@why set
 * when it has none (an unknown heap, a walk out of memory).
 */
bool scn_run_term_value(struct scn_run *run, const struct scn_expr *e,
			double *out, const char **why);
/*
 * scn_run_expr_check - evaluate @e for step @s and, when it does not
 * hold (or cannot be evaluated), add a finding of @kind (EXPECT or
 * FINAL) with the expected and actual values.  Returns whether it held.
 */
bool scn_run_expr_check(struct scn_run *run, const struct scn_step *s,
			const struct scn_expr *e, enum scn_finding_kind kind);

#endif /* IONSIM_SCN_INTERP_H */
