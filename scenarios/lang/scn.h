/*
 * scenarios/lang/scn.h - the scenario language: programs, the parser and
 * the interpreter (../shared/SCENARIO.md is the contract; docs/SCENARIOS.md
 * the user guide with our extensions).
 *
 * A scenario file is parsed whole before anything runs.  The parser turns
 * it into a struct scn_program: the machine (a struct kion_board, read by
 * model/board.c's statement parser), the actors, and the steps in file
 * order, each naming its actor; every error is reported as
 * `FILE:LINE:COL: error: message` and nothing runs (exit status 2).
 *
 * The interpreter boots the machine and executes steps one at a time in any
 * order its caller chooses: replay takes file order, the explorer
 * (sim/explore, later) takes the actors' programs in the orders it visits.
 * Each executed step produces a struct scn_event for the caller's hooks
 * (events, metrics, narration, views at a line); findings (a step that
 * failed or succeeded against its expectation, a failed expect, read or
 * final, audit violations, leaks) accumulate in the run's report.
 */
#ifndef IONSIM_SCN_H
#define IONSIM_SCN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ionsim/heap.h"
#include "model/board.h"
#include "model/kion.h"

#define SCN_NAME_MAX 32		/* actor, variable, device and heap names */
#define SCN_MAX_ERRNOS 8	/* alternatives in one `=> ok|E1|E2` */
#define SCN_MAX_ARGS 3		/* value operands of one step */
#define SCN_MAX_FINDINGS 10000	/* findings a report keeps */
#define SCN_MAX_ERRORS 20	/* errors reported before the parser gives up */
#define SCN_MAX_ACTORS 1024	/* actors of one program, forked ones included */
#define SCN_MAX_VARS 65536	/* distinct variable names of one program */

/* ------------------------------------------------------------------ */
/* Programs                                                             */
/* ------------------------------------------------------------------ */

enum scn_actor_kind {
	SCN_ACTOR_PROCESS,	/* `process NAME [pid=N]` */
	SCN_ACTOR_THREAD,	/* `thread NAME.T`: shares NAME's fds and vars */
	SCN_ACTOR_FORKED,	/* a `fork -> CHILD` child: a process made at run time */
	SCN_ACTOR_KERNEL,	/* the reserved `kernel` actor (drain, shrink) */
	SCN_ACTOR_DRIVER,	/* `driver NAME`: a simulated kernel driver (ours) */
};

struct scn_actor {
	char name[SCN_NAME_MAX * 2];	/* "camera", "camera.T", "kernel" */
	enum scn_actor_kind kind;
	int pid;		/* process: given pid, 0 for the next free one */
	/* thread: its process's actor index; else itself (variables are
	 * bound per process: this index names the scope) */
	int process;
	int fork_step;		/* forked: the step that creates it; else -1 */
	unsigned int line, col;	/* where it was declared (or forked) */
};

/* Every operation a step can name. */
enum scn_op {
	SCN_OP_OPEN,		/* open PATH -> V */
	SCN_OP_ALLOC,		/* alloc ION LEN heap=|mask= [align=] [flags=] -> V */
	SCN_OP_FREE,		/* free ION H */
	SCN_OP_SHARE,		/* share ION H -> V */
	SCN_OP_MAP,		/* map ION H -> V */
	SCN_OP_IMPORT,		/* import ION FD -> V */
	SCN_OP_SYNC,		/* sync ION FD */
	SCN_OP_QUERY,		/* query ION */
	SCN_OP_HEAPALLOC,	/* heapalloc HEAPFD LEN [fd_flags=] -> V */
	SCN_OP_DUP,		/* dup FD -> V */
	SCN_OP_CLOSE,		/* close FD */
	SCN_OP_SEND,		/* send FD to PROC -> V (V binds in PROC) */
	SCN_OP_MMAP,		/* mmap FD [LEN] [offset=] [prot=] -> M */
	SCN_OP_MUNMAP,		/* munmap M */
	SCN_OP_WRITE,		/* write M OFFSET "text" | write M OFFSET LEN byte=B */
	SCN_OP_READ,		/* read M OFFSET "text" */
	SCN_OP_CPU_BEGIN,	/* cpu_begin FD [read|write|rw] */
	SCN_OP_CPU_END,		/* cpu_end FD [read|write|rw] */
	SCN_OP_KMAP,		/* kmap ION H */
	SCN_OP_KUNMAP,		/* kunmap ION H */
	SCN_OP_ATTACH,		/* attach FD DEVICE -> A */
	SCN_OP_DETACH,		/* detach A */
	SCN_OP_DMAMAP,		/* dmamap A */
	SCN_OP_DMAUNMAP,	/* dmaunmap A */
	SCN_OP_FORK,		/* fork -> CHILD */
	SCN_OP_EXIT,		/* exit */
	SCN_OP_DRAIN,		/* kernel drain HEAP */
	SCN_OP_SHRINK,		/* kernel shrink HEAP PAGES */
	SCN_OP_FAIL,		/* fail NTH KIND (no actor) */
	SCN_OP_PREEMPT,		/* preempt NTH lock|unlock CLASS (no actor) */
	SCN_OP_EXPECT,		/* expect EXPR (no actor) */
	SCN_OP_FINAL,		/* final EXPR (no actor; checked at the end) */
	/* Drivers (our extension: docs/SCENARIOS.md), the seeds' dmabuf-test
	 * driver: kernel-side ION clients. */
	SCN_OP_KCLIENT,		/* DRV client -> C            ion_client_create */
	SCN_OP_KALLOC,		/* DRV alloc C LEN heap=|mask= [align=] [flags=] -> H  ion_alloc */
	SCN_OP_KFREE,		/* DRV free C H               ion_free */
	SCN_OP_KMAP_KERNEL,	/* DRV kmap C H               ion_map_kernel */
	SCN_OP_KUNMAP_KERNEL,	/* DRV kunmap C H             ion_unmap_kernel */
	SCN_OP_KSHARE,		/* DRV share C H to PROC -> V ion_share_dma_buf_fd */
	SCN_OP_KIMPORT,		/* DRV import C FD from PROC -> H */
	SCN_OP_KGET,		/* DRV get FD from PROC -> B  dma_buf_get */
	SCN_OP_KPUT,		/* DRV put B                  dma_buf_put */
	SCN_OP_KDESTROY,	/* DRV destroy C              ion_client_destroy */
	SCN_OP_NOPS
};

/* A value operand: a variable of the actor's process, or a literal. */
enum scn_value_kind {
	SCN_VALUE_NONE,
	SCN_VALUE_VAR,		/* var: index into program->vars */
	SCN_VALUE_INT,		/* a raw fd/handle number, negative allowed */
};

struct scn_value {
	enum scn_value_kind kind;
	int var;
	int64_t num;
	unsigned int col;
};

/* What a step may end in: success, and/or any of some errnos. */
struct scn_outcome {
	bool given;		/* `=> ...` was written */
	bool ok;		/* success allowed (true when not given) */
	unsigned int nerrnos;
	int errnos[SCN_MAX_ERRNOS];	/* positive errno values */
};

/* Terms of expect/final expressions (SCENARIO.md). */
enum scn_term {
	SCN_TERM_LIVE_BUFFERS, SCN_TERM_LEAKS, SCN_TERM_ORPHANED,
	SCN_TERM_USED, SCN_TERM_FREE, SCN_TERM_FRAG, SCN_TERM_LARGEST_FREE,
	SCN_TERM_FAILURES, SCN_TERM_FRAG_FAILURES, SCN_TERM_PEAK,
	SCN_TERM_REFS, SCN_TERM_HANDLES, SCN_TERM_FDS, SCN_TERM_MAPPINGS,
};

enum scn_cmp { SCN_EQ, SCN_NE, SCN_LT, SCN_LE, SCN_GT, SCN_GE };

struct scn_expr {
	enum scn_term term;
	char heap[HEAP_NAME_MAX];	/* heap terms */
	int actor;			/* refs/handles/fds/mappings: whose (a process or driver) */
	int var;			/* refs: the variable */
	enum scn_cmp cmp;
	double number;			/* sizes are whole bytes */
	unsigned int col;		/* of the term, for messages */
};

/*
 * One step.  arg[] holds the value operands of the syntax in enum scn_op
 * (ION, H, FD, M, A, C, B: a variable or an integer literal), in written
 * order; the other words go to their own fields.  Operands are variables
 * of the actor's process, except the FD of a driver's `import C FD from
 * PROC` and `get FD from PROC`, which is PROC's.
 */
struct scn_step {
	unsigned int line;
	unsigned int col;		/* of the operation word */
	int actor;			/* index into actors; -1 for fail/expect/final */
	enum scn_op op;
	struct scn_value arg[SCN_MAX_ARGS];	/* operands, in written order */
	/* send/driver share: the target process; driver import/get: the
	 * source process; fork: the child actor; else -1.  Always a process
	 * (a thread named there stands for its process), never a thread. */
	int other;
	char name[SCN_NAME_MAX * 2];	/* open: path; attach: device; drain/shrink: heap */
	uint64_t len;			/* alloc/heapalloc/mmap/write/shrink(pages) */
	bool has_len;			/* mmap: LEN given */
	uint64_t offset;		/* mmap offset=, write/read OFFSET */
	uint64_t align;			/* alloc align= (0 when not given) */
	unsigned int heap_mask;		/* alloc: heap= resolved to ids, or mask= */
	unsigned int flags;		/* alloc flags= (ION_FLAG_*) */
	/* heapalloc fd_flags= (host O_* values; not given: O_RDWR|O_CLOEXEC) */
	unsigned int fd_flags;
	int prot;			/* mmap prot= (SIM_PROT_*; not given: both) */
	int dir;			/* cpu_begin/end: DMA_BUF_SYNC_READ|WRITE (default both) */
	char *text;			/* write/read "text", unescaped; NULL for write LEN */
	size_t text_len;		/* may hold NULs (\x00) */
	int byte;			/* write LEN byte=B */
	unsigned long nth;		/* fail NTH, preempt NTH */
	enum sim_fault_kind fault;	/* fail KIND */
	enum sim_sched_point at;	/* preempt: at a lock or an unlock */
	int lock_class;			/* preempt: model/locks.h class */
	struct scn_expr expr;		/* expect/final */
	int bind;			/* variable bound by `-> V`, -1 */
	int bind_actor;			/* the process it binds in (an actor index), -1 */
	struct scn_outcome outcome;
};

struct scn_program {
	char *filename;
	struct kion_board board;	/* finished */
	struct scn_actor *actors;
	unsigned int nactors;
	struct scn_step *steps;		/* file order, expectations included */
	unsigned int nsteps;
	/* variable names; index = var.  One table for every process: the
	 * same name in two processes is one index with a value in each. */
	char (*vars)[SCN_NAME_MAX];
	unsigned int nvars;
};

/*
 * scn_parse - parse @len bytes of @text, named @filename in messages.
 * Returns 0 with *@out set, or the number of errors found (each printed
 * on @errs as FILE:LINE:COL: error: message; parsing goes on after an
 * error to report as many as it can, at most 20) with *@out NULL.  Never
 * crashes, hangs or leaks on any input, NUL bytes included.
 */
int scn_parse(const char *filename, const char *text, size_t len,
	      struct scn_program **out, FILE *errs);
/* Reads and parses a file; an unreadable file is one error ("FILE: error:
 * cannot read: REASON"). */
int scn_parse_file(const char *path, struct scn_program **out, FILE *errs);
void scn_program_free(struct scn_program *p);

/* "alloc", "free", ... for messages and events. */
const char *scn_op_name(enum scn_op op);
/* The actor of step @s as written ("camera", "camera.T", "kernel"); ""
 * for fail, expect and final, which have none. */
const char *scn_step_actor(const struct scn_program *p,
			   const struct scn_step *s);

/* "EINVAL" for EINVAL (positive, Linux's numbers); NULL when unknown. */
const char *scn_errno_name(int err);
/* The positive errno called @name ("ENOMEM"), or 0 when none is. */
int scn_errno_parse(const char *name);

/* ------------------------------------------------------------------ */
/* Running                                                              */
/* ------------------------------------------------------------------ */

struct scn_run;

/* What one executed step did. */
struct scn_event {
	unsigned int index;		/* into program->steps */
	const struct scn_step *step;
	long ret;			/* the call's result (fd, handle, 0...) */
	int err;			/* its errno, 0 on success */
	bool allowed;			/* matched the step's outcome */
	bool skipped;			/* not run: an operand was unbound */
	/* allocations (alloc, heapalloc, driver alloc) */
	uint64_t buffer;		/* buffer serial, 0 if none */
	const char *heap;
	uint64_t size;
	bool contiguous;
	uint64_t phys;			/* first byte, for contiguous buffers */
};

enum scn_finding_kind {
	SCN_FIND_UNEXPECTED_FAILURE,	/* failed; success was expected */
	SCN_FIND_UNEXPECTED_SUCCESS,	/* succeeded; a failure was expected */
	SCN_FIND_WRONG_ERRNO,		/* failed with an errno not listed */
	SCN_FIND_EXPECT,		/* an expect did not hold */
	SCN_FIND_FINAL,			/* a final did not hold */
	SCN_FIND_READ,			/* read found other bytes */
	SCN_FIND_AUDIT,			/* an audit violation */
	SCN_FIND_LEAK,			/* a leaked buffer (refcount bug) */
	SCN_FIND_SKIPPED,		/* not run: an operand was unbound, or
					 * its process was never forked */
};

struct scn_finding {
	enum scn_finding_kind kind;
	unsigned int line;		/* 0 for end-of-run findings */
	int actor;			/* -1 if none */
	enum scn_op op;			/* SCN_OP_NOPS for end-of-run findings */
	int err;			/* the errno seen (failures) */
	double expected, actual;	/* expect/final */
	char msg[200];			/* one line, in words */
};

struct scn_heap_summary {
	char name[HEAP_NAME_MAX];
	struct heap_metrics metrics;	/* at the end of the run */
};

struct scn_report {
	unsigned int steps_run;
	unsigned int nfindings;
	struct scn_finding *findings;	/* in the order found */
	/* found past the first SCN_MAX_FINDINGS: counted, not kept */
	unsigned long findings_dropped;
	unsigned int audit_violations;
	struct kion_buffer_counts counts;	/* live, orphaned, leaked */
	unsigned int nheaps;
	struct scn_heap_summary heaps[HEAP_MAX_HEAPS];
};

struct scn_hooks {
	void *ctx;
	/* After every executed step (events, metrics, --at views). */
	void (*step)(void *ctx, struct scn_run *run, const struct scn_event *ev);
	/* A step is about to run inside step @outer, which a preemption
	 * stopped (scn_run_all's `preempt` lines, the explorer's
	 * --preempt=locks); NULL: not told. */
	void (*preempted)(void *ctx, struct scn_run *run, unsigned int outer,
			  unsigned int inner);
	/* Reference-change narration (--explain); NULL: none. */
	kion_trace_fn trace;
	/* Per-step cheap audit (kion_audit_quick): on by default. */
	bool no_step_checks;
};

/*
 * scn_run_new - boot @p's machine and prepare its actors (processes are
 * spawned in declaration order, before the first step; forked ones when
 * their fork runs).  NULL with *@err on failure.
 */
struct scn_run *scn_run_new(const struct scn_program *p,
			    const struct scn_hooks *hooks, int *err);
/*
 * scn_run_exec - execute step @index now (any order the caller likes;
 * expect and fail steps included; final steps are only recorded).
 * Returns 0, or -ESRCH when the step's actor has no process (a forked
 * child whose fork has not run, or failed): nothing ran.  A step of a
 * process that has exited does run, and fails with ESRCH like any other
 * errno result; -EINVAL for an index past the program.
 */
int scn_run_exec(struct scn_run *run, unsigned int index);
/*
 * Every step in file order.  A `preempt` line arms a preemption of the
 * next actor step: when that step reaches the point it names (holding no
 * lock), the next actor step in the file runs there, to its end, before
 * the preempted step goes on.  A preemption whose point never came is a
 * `skipped` finding, and the step it would have run runs in its turn.
 */
void scn_run_all(struct scn_run *run);

/*
 * A point where the step in progress holds no lock and is about to take
 * (SIM_SCHED_LOCK) or has just released (SIM_SCHED_UNLOCK) a lock of
 * class @lock_class (model/locks.h): the @nth such point of that kind
 * and class in this step.  The callee may run other steps there with
 * scn_run_exec (they nest; scn_run_depth says how deep), or nothing.
 */
typedef void (*scn_preempt_fn)(void *ctx, struct scn_run *run,
			       enum sim_sched_point at, int lock_class,
			       unsigned long nth);
/* Installs @fn (NULL: none) as the run's preemption point: the machine's
 * scheduler hook then calls it at every point between critical sections
 * of a step, while fewer than SCN_MAX_NEST steps are in progress. */
void scn_run_set_preempt(struct scn_run *run, scn_preempt_fn fn, void *ctx);
/* How many steps are in progress now (0 between steps). */
unsigned int scn_run_depth(const struct scn_run *run);
/*
 * scn_run_finish - end of run: the machine goes idle, so every heap's
 * deferred-free list is drained (Linux's SCHED_IDLE free thread), then the
 * final expressions, the full audit, the
 * leak report's counts, the heap summaries; fills @rep (owned by the run
 * until scn_run_free).
 */
const struct scn_report *scn_run_finish(struct scn_run *run);
/* 0 when nothing was found, 1 otherwise (`ionsim run`'s exit status). */
int scn_report_status(const struct scn_report *rep);
/* "unexpected_failure", "leak", ...: a finding's kind as one word. */
const char *scn_finding_kind_name(enum scn_finding_kind kind);
/*
 * scn_run_print_report - the run's report in words on @out (finishing the
 * run first if needed): one line per finding, `FILE:LINE: KIND: message`
 * (no LINE for end-of-run findings), every live buffer with its holders
 * and the line that allocated it (kion_leak_report), each heap's figures,
 * and a last line with the counts and the verdict.
 */
void scn_run_print_report(struct scn_run *run, FILE *out);
/*
 * scn_run_free - shut the machine down (kion_board_shutdown) and free the
 * run.  Returns the count of kernel objects that outlived the machine: 0
 * unless the model leaked.  NULL is a no-op returning 0.
 */
unsigned long scn_run_free(struct scn_run *run);

/* The machine and the ION device under the run (for views and metrics). */
struct kion_device *scn_run_device(struct scn_run *run);
struct sim_machine *scn_run_machine(struct scn_run *run);
const struct scn_program *scn_run_program(struct scn_run *run);

#endif /* IONSIM_SCN_H */
