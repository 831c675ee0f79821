/*
 * ionsim/ionsim.h - drive the simulated machine from C, like a tiny OS.
 *
 * A program boots a machine (described in the scenario language's machine
 * statements, ../shared/SCENARIO.md), spawns simulated processes, enters
 * one, and then makes system calls as that process: open /dev/ion or a
 * /dev/dma_heap node, ioctl, mmap, pass fds to other processes, fork,
 * exit.  The ION ioctls take the kernel's own structs and numbers
 * (ionsim/uapi/ion.h), so code written for Linux ION runs unchanged but
 * for the names of the calls; ionsim/ion.h adds AOSP libion on top.
 *
 * Memory is really shared: ionsim_mmap returns a host address through
 * which the program reads and writes the buffer's simulated pages, and two
 * processes mapping the same buffer see each other's bytes.  Pointers
 * handed to ionsim_ioctl are host addresses too; a bad one fails with
 * EFAULT, never with a crash.
 *
 * Conventions, as for the system calls these stand for: a call that fails
 * returns -1 (ionsim_mmap: MAP_FAILED, the others that return pointers:
 * NULL) and sets errno; a successful one leaves errno alone.  Flags and
 * protections are the host's O_*, PROT_* and MAP_* values.
 *
 * The current machine and process belong to the calling host thread: each
 * thread enters a process of its own choosing, and the calls without a
 * struct ionsim argument act as that process.  With no current process,
 * or once it has exited, they fail with ESRCH.  One machine must not be
 * driven by two host threads at the same time.
 */
#ifndef IONSIM_IONSIM_H
#define IONSIM_IONSIM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ionsim;

/*
 * ionsim_boot - a new machine described by @machine, the machine
 * statements of a scenario (ram, abi, kernel, heap, dmaheap, nofile), one
 * per line; NULL or "" is the default board (SCENARIO.md's five heaps,
 * /dev/dma_heap/system and /dev/dma_heap/cma).  A bad description gives
 * NULL with errno EINVAL and one `<machine>:LINE:COL: error: ...` line per
 * problem on stderr; ENOMEM when the host runs out.  No process exists
 * yet: spawn one and enter it.
 */
struct ionsim *ionsim_boot(const char *machine);

/*
 * ionsim_shutdown - every process exits (its mappings go, then its fds,
 * lowest first), then ION and the machine are torn down and all their
 * memory returned.  If the calling thread had entered a process of @sim,
 * it has none afterwards; another thread that had must enter a process
 * of another machine before its next call.  NULL is a no-op.
 */
void ionsim_shutdown(struct ionsim *sim);

/*
 * ionsim_spawn - a new process called @name (cut to 15 bytes, as a comm)
 * with fds 0-2 open on the machine's terminal.  Returns its pid, the
 * next free one (100, 101, ...), or -1: EINVAL for a NULL argument,
 * ENOMEM.
 * The current process does not change.
 */
int ionsim_spawn(struct ionsim *sim, const char *name);

/*
 * ionsim_enter - from now on the calls below act as process @pid of @sim,
 * for the calling thread.  Returns 0, or -1: EINVAL for a NULL @sim,
 * ESRCH when there is no such live process.
 */
int ionsim_enter(struct ionsim *sim, int pid);

/*
 * ionsim_open - open(2) of a device node: "/dev/ion" (a new ION client
 * under the legacy ABI), "/dev/dma_heap/NAME" (a DMA-BUF heap node of the
 * board) or "/dev/ion-test" (the kernel's ION test driver).  @flags:
 * O_RDONLY, O_WRONLY or O_RDWR, optionally O_CLOEXEC; other flags are
 * accepted and ignored.  Returns the lowest free fd, or -1: ENOENT for any
 * other path, EFAULT for NULL, EMFILE when the fd table is at the board's
 * nofile, ENOMEM, ESRCH.
 */
int ionsim_open(const char *path, int flags);

/* close(2): 0, or -1 with EBADF (ESRCH). */
int ionsim_close(int fd);

/* dup(2): the lowest free fd, or -1 with EBADF or EMFILE (ESRCH). */
int ionsim_dup(int fd);

/*
 * ionsim_ioctl - ioctl(2): @arg is passed to the driver as the kernel
 * gets it, a user pointer for the ION and DMA-BUF ioctls.  Returns the
 * driver's non-negative result, or -1: EBADF for a closed fd, ENOTTY for a
 * file without ioctls (fds 0-2, the terminal), and whatever the driver
 * says (EFAULT for a bad pointer, EINVAL, ENODEV, ...).
 */
int ionsim_ioctl(int fd, unsigned long cmd, void *arg);

/*
 * ionsim_mmap - mmap(2) of a simulated file (a dma-buf fd).  @addr is a
 * hint and is ignored; @prot is PROT_NONE or PROT_READ and/or PROT_WRITE;
 * @flags is MAP_SHARED (or MAP_SHARED_VALIDATE) or MAP_PRIVATE, plus any
 * of MAP_POPULATE, MAP_NORESERVE, MAP_NONBLOCK, MAP_LOCKED, which change
 * nothing here.  Returns the host address of the mapping, or MAP_FAILED:
 * EBADF, EACCES (the fd's mode forbids @prot), ENODEV (not mappable),
 * EINVAL (zero length, an offset that is negative, unaligned or past the
 * buffer, other @prot or @flags bits: PROT_EXEC, MAP_FIXED and anonymous
 * mappings are not simulated), ENOMEM, ESRCH.
 */
void *ionsim_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);

/*
 * ionsim_munmap - munmap(2) of one whole mapping made by ionsim_mmap:
 * @addr is what it returned and @len its length (rounded up to pages).
 * Returns 0, or -1: EINVAL when no such mapping starts there, ESRCH.
 */
int ionsim_munmap(void *addr, size_t len);

/*
 * ionsim_send_fd - pass @fd to process @to_pid, as sendmsg/recvmsg with
 * SCM_RIGHTS do.  Returns the fd number the file got in @to_pid, or -1:
 * EBADF, ESRCH (no such live process, or the caller has none), EMFILE
 * (the receiver's table is full), ENOMEM.
 */
int ionsim_send_fd(int fd, int to_pid);

/*
 * ionsim_fork - a child of the current process with a copy of its fd
 * table (the same open files) and of its mappings.  Returns the child's
 * pid; the caller stays in the parent (enter the child to act as it).
 * -1 with ESRCH or ENOMEM.
 */
int ionsim_fork(void);

/*
 * ionsim_exit - the current process exits: every mapping is dropped, then
 * every fd is closed, lowest first, as Linux's exit does.  The thread
 * stays in the dead process, so every later call fails with ESRCH until
 * it enters another.  Returns 0, or -1 with ESRCH.
 */
int ionsim_exit(void);

/*
 * ionsim_audit - check every ION invariant of @sim (refcounts against the
 * references that really exist, no page in two buffers, heap accounting)
 * and describe each violation on @report (if not NULL).  Returns the
 * number of violations, or -1: EINVAL for a NULL @sim, ENOSYS when this
 * build has no audit.
 */
int ionsim_audit(struct ionsim *sim, FILE *report);

/* The number of live ION buffers of @sim (0 for NULL). */
size_t ionsim_live_buffers(struct ionsim *sim);

/*
 * ionsim_debugfs - print what Linux prints at debugfs file @path, e.g.
 * "/sys/kernel/debug/ion/heaps/system" or
 * "/sys/kernel/debug/dma_buf/bufinfo", to @out.  Returns 0, or -1: ENOENT
 * for a file the machine does not have, EINVAL for a NULL argument,
 * ENOSYS when this build has no debugfs views.
 */
int ionsim_debugfs(struct ionsim *sim, const char *path, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* IONSIM_IONSIM_H */
