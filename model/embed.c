/*
 * model/embed.c - the embedding API (ionsim/ionsim.h): a machine booted
 * from machine statements, processes, and system calls made as the
 * calling thread's current process.
 *
 * Each call is a thin translation: host flags to the machine's SIM_*
 * values, the current process to a struct sim_proc, and the layers'
 * negative errnos to -1 plus errno, as libc's wrappers do.  Device paths
 * are looked up here because the simulated machine has no file system:
 * three kinds of node exist, and anything else is ENOENT.
 *
 * The current machine and process live in a thread-local, so several
 * host threads may each drive a machine of their own; the process is
 * kept even after it exits, so that every later call answers ESRCH
 * instead of silently acting as nobody.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model/board.h"
#include "model/embed.h"

#define DMA_HEAP_DIR "/dev/dma_heap/"
#define MACHINE_NAME "<machine>"	/* what errors in boot texts are blamed on */

/* mmap flags that only tune how Linux populates or locks pages: nothing
 * to do for a simulated mapping, so they are accepted and ignored. */
#define MAP_HINT_FLAGS \
	(MAP_POPULATE | MAP_NORESERVE | MAP_NONBLOCK | MAP_LOCKED)

/* The calling thread's machine and process. */
static _Thread_local struct {
	struct ionsim *sim;
	struct sim_proc *proc;	/* may have exited: calls answer ESRCH */
} current;

/* The calling thread's last ionsim_shutdown() leak count. */
static _Thread_local unsigned long last_leaks;

/* -1 with errno = -@err: how every failing call returns. */
static int fail(int err)
{
	errno = -err;
	return -1;
}

/* A layer's "result or -errno" as a system call returns it. */
static int syscall_result(int ret)
{
	return ret < 0 ? fail(ret) : ret;
}

/* The current process, or NULL with errno ESRCH. */
static struct sim_proc *current_live_proc(void)
{
	if (!current.proc || !sim_proc_alive(current.proc)) {
		errno = ESRCH;
		return NULL;
	}
	return current.proc;
}

/* kion_embed_current_sim - see model/embed.h. */
struct ionsim *kion_embed_current_sim(void)
{
	return current.sim;
}

/* kion_embed_current_proc - see model/embed.h. */
struct sim_proc *kion_embed_current_proc(void)
{
	return current.proc;
}

/* kion_embed_last_leaks - see model/embed.h. */
unsigned long kion_embed_last_leaks(void)
{
	return last_leaks;
}

/* ------------------------------------------------------------------ */
/* Machines and processes                                               */
/* ------------------------------------------------------------------ */

/* The board @machine describes, finished; NULL with errno set (and the
 * errors on stderr). */
static struct kion_board *board_from_text(const char *machine)
{
	struct kion_board *b = malloc(sizeof(*b));

	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	kion_board_init(b);
	if (kion_board_parse_text(machine ? machine : "", MACHINE_NAME, b,
				  stderr)) {
		free(b);
		errno = EINVAL;
		return NULL;
	}
	return b;
}

/* ionsim_boot - see ionsim/ionsim.h. */
struct ionsim *ionsim_boot(const char *machine)
{
	struct kion_board *b = board_from_text(machine);
	struct ionsim *sim;
	int ret;

	if (!b)
		return NULL;
	sim = calloc(1, sizeof(*sim));
	if (!sim) {
		errno = ENOMEM;
		goto free_board;
	}
	ret = kion_board_boot(b, &sim->m, &sim->dev);
	if (ret) {
		errno = -ret;
		goto free_sim;
	}
	free(b);
	return sim;

free_sim:
	free(sim);
free_board:
	free(b);
	return NULL;
}

/* ionsim_shutdown - see ionsim/ionsim.h. */
void ionsim_shutdown(struct ionsim *sim)
{
	if (!sim)
		return;
	if (current.sim == sim) {
		current.sim = NULL;
		current.proc = NULL;
	}
	last_leaks = kion_board_shutdown(sim->m, sim->dev);
	free(sim->probes);
	free(sim);
}

/* ionsim_spawn - see ionsim/ionsim.h. */
int ionsim_spawn(struct ionsim *sim, const char *name)
{
	struct sim_proc *p;
	int err = 0;

	if (!sim || !name)
		return fail(-EINVAL);
	p = sim_proc_spawn(sim->m, name, 0, &err);
	if (!p)
		return fail(err);
	return sim_proc_pid(p);
}

/* ionsim_enter - see ionsim/ionsim.h. */
int ionsim_enter(struct ionsim *sim, int pid)
{
	struct sim_proc *p;

	if (!sim)
		return fail(-EINVAL);
	p = sim_proc_find(sim->m, pid);
	if (!p || !sim_proc_alive(p))
		return fail(-ESRCH);
	current.sim = sim;
	current.proc = p;
	return 0;
}

/* ------------------------------------------------------------------ */
/* libion's per-process memory                                          */
/* ------------------------------------------------------------------ */

static struct kion_libion_probe *probe_find(struct ionsim *sim, int pid)
{
	for (unsigned int i = 0; i < sim->nprobes; i++)
		if (sim->probes[i].pid == pid)
			return &sim->probes[i];
	return NULL;
}

/* The entry for @pid, added if missing; NULL when the host is out of
 * memory (the caller then simply does not remember). */
static struct kion_libion_probe *probe_get(struct ionsim *sim, int pid)
{
	struct kion_libion_probe *e = probe_find(sim, pid);
	unsigned int cap;

	if (e)
		return e;
	if (sim->nprobes == sim->probes_cap) {
		cap = sim->probes_cap ? sim->probes_cap * 2 : 8;
		e = realloc(sim->probes, cap * sizeof(*e));
		if (!e)
			return NULL;
		sim->probes = e;
		sim->probes_cap = cap;
	}
	e = &sim->probes[sim->nprobes++];
	e->pid = pid;
	e->abi = KION_LIBION_UNKNOWN;
	return e;
}

/* Forgets what process @pid's libion knew: its memory is gone. */
static void probe_forget(struct ionsim *sim, int pid)
{
	struct kion_libion_probe *e = probe_find(sim, pid);

	if (e)
		*e = sim->probes[--sim->nprobes];
}

/* A forked child has a copy of its parent's memory, libion's included. */
static void probe_inherit(struct ionsim *sim, int parent, int child)
{
	struct kion_libion_probe *from = probe_find(sim, parent);
	enum kion_libion_abi abi = from ? from->abi : KION_LIBION_UNKNOWN;
	struct kion_libion_probe *to;

	if (abi == KION_LIBION_UNKNOWN)
		return;
	to = probe_get(sim, child);
	if (to)
		to->abi = abi;
}

/* kion_libion_cached_abi - see model/embed.h. */
enum kion_libion_abi kion_libion_cached_abi(void)
{
	struct kion_libion_probe *e;

	if (!current.sim || !current.proc)
		return KION_LIBION_UNKNOWN;
	e = probe_find(current.sim, sim_proc_pid(current.proc));
	return e ? e->abi : KION_LIBION_UNKNOWN;
}

/* kion_libion_cache_abi - see model/embed.h. */
void kion_libion_cache_abi(enum kion_libion_abi abi)
{
	struct kion_libion_probe *e;

	if (!current.sim || !current.proc)
		return;
	e = probe_get(current.sim, sim_proc_pid(current.proc));
	if (e)
		e->abi = abi;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

/* open(2)'s flags as the machine knows them: the access mode and
 * close-on-exec; the rest mean nothing for a device node. */
static unsigned int sim_open_flags(int flags)
{
	unsigned int f = 0;

	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		f = SIM_O_WRONLY;
		break;
	case O_RDWR:
		f = SIM_O_RDWR;
		break;
	default:
		f = SIM_O_RDONLY;
		break;
	}
	if (flags & O_CLOEXEC)
		f |= SIM_O_CLOEXEC;
	return f;
}

/* A missing node is ENOENT from path lookup, before any driver runs. */
static int no_node_is_enoent(int ret)
{
	return ret == -ENODEV ? -ENOENT : ret;
}

/* Opens the node at @path for @p: an fd or a negative errno. */
static int open_node(struct kion_device *dev, struct sim_proc *p,
		     const char *path, unsigned int flags)
{
	const char *name;

	if (strcmp(path, "/dev/ion") == 0)
		return kion_ion_open(dev, p, flags);
	if (strcmp(path, "/dev/ion-test") == 0)
		return no_node_is_enoent(kion_test_open(dev, p, flags));
	if (strncmp(path, DMA_HEAP_DIR, strlen(DMA_HEAP_DIR)) != 0)
		return -ENOENT;
	name = path + strlen(DMA_HEAP_DIR);
	if (!*name || strchr(name, '/'))
		return -ENOENT;
	return no_node_is_enoent(kion_dmaheap_open(dev, p, name, flags));
}

/* ionsim_open - see ionsim/ionsim.h. */
int ionsim_open(const char *path, int flags)
{
	struct sim_proc *p = current_live_proc();

	if (!p)
		return -1;
	if (!path)
		return fail(-EFAULT);
	return syscall_result(open_node(current.sim->dev, p, path,
					sim_open_flags(flags)));
}

/* ionsim_close - see ionsim/ionsim.h. */
int ionsim_close(int fd)
{
	struct sim_proc *p = current_live_proc();

	return p ? syscall_result(sim_fd_close(p, fd)) : -1;
}

/* ionsim_dup - see ionsim/ionsim.h. */
int ionsim_dup(int fd)
{
	struct sim_proc *p = current_live_proc();

	return p ? syscall_result(sim_fd_dup(p, fd)) : -1;
}

/* ionsim_ioctl - see ionsim/ionsim.h. */
int ionsim_ioctl(int fd, unsigned long cmd, void *arg)
{
	struct sim_proc *p = current_live_proc();
	struct sim_file *f;
	long ret = -ENOTTY;

	if (!p)
		return -1;
	/* The call holds its own file reference, as fdget() does: the
	 * ioctl may close the fd it came through. */
	f = sim_fget(p, fd);
	if (!f)
		return fail(-EBADF);
	if (f->ops->ioctl)
		ret = f->ops->ioctl(f, sim_proc_main_thread(p), cmd,
				    (unsigned long)arg);
	sim_file_put(f);
	return syscall_result((int)ret);
}

/* ------------------------------------------------------------------ */
/* Mappings                                                             */
/* ------------------------------------------------------------------ */

/* Host PROT_* to SIM_PROT_*, or -EINVAL for what is not simulated. */
static int sim_prot(int prot)
{
	int p = 0;

	if (prot & ~(PROT_READ | PROT_WRITE))
		return -EINVAL;
	if (prot & PROT_READ)
		p |= SIM_PROT_READ;
	if (prot & PROT_WRITE)
		p |= SIM_PROT_WRITE;
	return p;
}

/* Host MAP_* to SIM_MAP_*, or -EINVAL / -EOPNOTSUPP as Linux answers. */
static int sim_map_flags(int flags)
{
	int type = flags & MAP_TYPE;
	int rest = flags & ~MAP_TYPE;

	if (type == MAP_SHARED_VALIDATE && (rest & ~MAP_HINT_FLAGS))
		return -EOPNOTSUPP;
	if (rest & ~MAP_HINT_FLAGS)
		return -EINVAL;
	if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE)
		return SIM_MAP_SHARED;
	if (type == MAP_PRIVATE)
		return SIM_MAP_PRIVATE;
	return -EINVAL;
}

/* mmap's arguments in the machine's terms: 0, or the errno Linux gives
 * before it looks at the fd. */
static int mmap_args(int prot, int flags, off_t off, int *sprot, int *sflags)
{
	*sprot = sim_prot(prot);
	if (*sprot < 0)
		return *sprot;
	*sflags = sim_map_flags(flags);
	if (*sflags < 0)
		return *sflags;
	return off < 0 ? -EINVAL : 0;
}

/* ionsim_mmap - see ionsim/ionsim.h. */
void *ionsim_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	struct sim_proc *p = current_live_proc();
	struct sim_vma *vma;
	int sprot, sflags, ret;

	if (!p)
		return MAP_FAILED;
	ret = mmap_args(prot, flags, off, &sprot, &sflags);
	if (!ret)
		ret = sim_mmap(p, fd, len, sprot, sflags, (uint64_t)off, &vma);
	if (ret) {
		fail(ret);
		return MAP_FAILED;
	}
	return sim_vma_host(vma);
}

/* ionsim_munmap - see ionsim/ionsim.h. */
int ionsim_munmap(void *addr, size_t len)
{
	struct sim_proc *p = current_live_proc();

	return p ? syscall_result(sim_munmap(p, addr, len)) : -1;
}

/* ------------------------------------------------------------------ */
/* Between processes                                                    */
/* ------------------------------------------------------------------ */

/* ionsim_send_fd - see ionsim/ionsim.h. */
int ionsim_send_fd(int fd, int to_pid)
{
	struct sim_proc *p = current_live_proc();
	struct sim_proc *to;

	if (!p)
		return -1;
	to = sim_proc_find(current.sim->m, to_pid);
	if (!to)
		return fail(-ESRCH);
	return syscall_result(sim_fd_send(p, fd, to));
}

/* ionsim_fork - see ionsim/ionsim.h. */
int ionsim_fork(void)
{
	struct sim_proc *p = current_live_proc();
	struct sim_proc *child;
	int err = 0;

	if (!p)
		return -1;
	child = sim_proc_fork(p, &err);
	if (!child)
		return fail(err);
	probe_inherit(current.sim, sim_proc_pid(p), sim_proc_pid(child));
	return sim_proc_pid(child);
}

/* ionsim_exit - see ionsim/ionsim.h. */
int ionsim_exit(void)
{
	struct sim_proc *p = current_live_proc();

	if (!p)
		return -1;
	probe_forget(current.sim, sim_proc_pid(p));
	return syscall_result(sim_proc_exit(p));
}

/* ------------------------------------------------------------------ */
/* Looking inside                                                       */
/* ------------------------------------------------------------------ */

/* ionsim_audit - see ionsim/ionsim.h. */
int ionsim_audit(struct ionsim *sim, FILE *report)
{
	if (!sim)
		return fail(-EINVAL);
	return syscall_result(kion_audit(sim->dev, report));
}

/* ionsim_live_buffers - see ionsim/ionsim.h. */
size_t ionsim_live_buffers(struct ionsim *sim)
{
	return sim ? sim->dev->nbuffers : 0;
}

/* ionsim_debugfs - see ionsim/ionsim.h. */
int ionsim_debugfs(struct ionsim *sim, const char *path, FILE *out)
{
	if (!sim || !path || !out)
		return fail(-EINVAL);
	return syscall_result(kion_debugfs_show(sim->dev, path, out));
}
