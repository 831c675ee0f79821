/*
 * sim/proc.h - processes, threads, files, fd tables, fd passing and
 * mappings: the state that proc.c, file.c, fdtable.c, inflight.c and
 * vma.c share, and the few calls they make into each other.
 *
 * struct sim_procs is the machine's process table (m->procs).  The pid
 * space is one red-black tree of every thread by tid; a process is found
 * through its main thread, whose tid is the pid (Linux's semantics), so
 * pids and tids never collide.  Exited processes stay in the tree as
 * zombies until the machine shuts down.
 */
#ifndef IONSIM_SIM_PROC_H
#define IONSIM_SIM_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <bsd/sys/tree.h>

#include "ionsim/sim.h"

/* fd slots every process has without growing its table (NR_OPEN_DEFAULT). */
#define SIM_FDTABLE_EMBEDDED 64

struct sim_fd_slot {
	struct sim_file *file;	/* NULL: the fd is free */
	unsigned int flags;	/* SIM_FD_CLOEXEC */
};

struct sim_fdtable {
	struct sim_fd_slot *slots;	/* embedded[] or a grown kernel object */
	unsigned int max_fds;	/* slots in use as the table */
	unsigned int next_fd;	/* no fd below this is free (Linux's next_fd) */
	unsigned int count;	/* open fds */
	struct sim_fd_slot embedded[SIM_FDTABLE_EMBEDDED];
};

/* A process's mappings, indexed twice (nodes are vma.c's own). */
RB_HEAD(sim_vma_host_tree, sim_vma_node);
RB_HEAD(sim_vma_uaddr_tree, sim_vma_node);

struct sim_mm {
	struct sim_vma_host_tree by_host;	/* for munmap and host lookups */
	struct sim_vma_uaddr_tree by_uaddr;	/* for ordered visits */
	unsigned int count;	/* mappings */
	uint64_t next_uaddr;	/* where the next mapping's user range starts */
};

struct sim_thread {
	RB_ENTRY(sim_thread) tid_node;	/* in the machine's pid space */
	TAILQ_ENTRY(sim_thread) proc_link;	/* in proc->threads */
	struct sim_proc *proc;
	int tid;
	char name[SIM_PROC_NAME_MAX];
};

TAILQ_HEAD(sim_thread_list, sim_thread);

struct sim_proc {
	struct sim_machine *m;
	int pid;
	char name[SIM_PROC_NAME_MAX];
	bool alive;		/* false once exited: a zombie */
	struct sim_thread main;	/* tid == pid; lives as long as the process */
	struct sim_thread_list threads;	/* main first, then creation order */
	struct sim_fdtable files;
	struct sim_mm mm;
};

RB_HEAD(sim_tid_tree, sim_thread);

/* One SCM_RIGHTS message between sim_fd_send_begin and _end or _abort. */
struct sim_inflight {
	TAILQ_ENTRY(sim_inflight) link;	/* in procs->inflight, token order */
	int token;
	struct sim_file *file;	/* the reference the message holds */
};

TAILQ_HEAD(sim_inflight_list, sim_inflight);

struct sim_procs {
	struct sim_tid_tree tids;	/* every thread, live or zombie */
	int next_pid;		/* where the next automatic pid search starts */
	uint64_t next_ino;	/* the next file's inode number */
	/* The terminal is part of the machine, not a kernel object: boot
	 * allocates nothing for it and the machine's reference never drops. */
	struct sim_file tty;
	struct sim_inflight_list inflight;	/* appended, so token order */
	unsigned int ninflight;
	int next_token;
};

/* file.c: the terminal, set up by sim_procs_init. */
void sim_tty_init(struct sim_machine *m);

/* fdtable.c: the table of a new process, fork's copy, exit's close. */
void sim_fdtable_init(struct sim_proc *p);
/* fds 0, 1 and 2 on @f, one reference each: what every process starts
 * with (inherited in Linux, so no fd number is allocated). */
void sim_fdtable_open_stdio(struct sim_proc *p, struct sim_file *f);
/* Copies @parent's open fds into @child's empty table, a reference each.
 * 0, or -ENOMEM with @child's table left empty. */
int sim_fdtable_copy(struct sim_proc *child, const struct sim_proc *parent);
/* Closes every fd in ascending order and frees a grown table. */
void sim_fdtable_close_all(struct sim_proc *p);

/* vma.c: the mappings of a new process, fork's copy, exit's unmap. */
void sim_mm_init(struct sim_proc *p);
/* Copies @parent's mappings into @child (same pages and user addresses).
 * 0, or -errno with @child left without mappings. */
int sim_mm_copy(struct sim_proc *child, struct sim_proc *parent);
/* Unmaps every mapping in ascending user address order. */
void sim_mm_unmap_all(struct sim_proc *p);

/* inflight.c: drops every message in flight (shutdown). */
void sim_inflight_drop_all(struct sim_machine *m);

#endif /* IONSIM_SIM_PROC_H */
