/*
 * scenarios/lang/interp_steps.c - what userspace steps do: the system
 * calls of a simulated process (open, ioctl, dup, close, fd passing,
 * mmap, munmap, exit), its loads and stores through a mapping, and the
 * kernel threads' steps (drain, shrink) and fault arming.
 *
 * Every ioctl goes through the file's own ioctl op with the kernel's
 * argument struct in the caller's memory, exactly as sys_ioctl reaches
 * it, so that every errno a step can see is the model's (a closed fd is
 * EBADF from the fd table, a tty is ENOTTY from its file, a bad handle is
 * EINVAL from ION).  That memory is the run's scratch, which the run
 * vouches for while the step runs: the model's user copies of it are
 * plain memcpy, not a syscall each.  Loads and stores are checked
 * against the mapping first: a real process would take SIGSEGV where a
 * step gets EFAULT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/interp.h"

#define DMA_HEAP_DIR "/dev/dma_heap/"
/* How open(2) is called for every node: as AOSP's libion and
 * libdmabufheap call it. */
#define OPEN_FLAGS (SIM_O_RDONLY | SIM_O_CLOEXEC)

/* ioctl(2) from the actor's thread, holding the file as sys_ioctl does:
 * the call may close the fd it came through. */
static int user_ioctl(struct scn_ctx *c, int fd, unsigned int cmd, void *arg)
{
	struct sim_file *f = sim_fget(c->proc, fd);
	long ret = -ENOTTY;

	if (!f)
		return -EBADF;
	if (f->ops->ioctl)
		ret = f->ops->ioctl(f, c->thread, cmd, (unsigned long)arg);
	sim_file_put(f);
	return (int)ret;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

/* A missing node is ENOENT from path lookup, before any driver runs. */
static int no_node_is_enoent(int ret)
{
	return ret == -ENODEV ? -ENOENT : ret;
}

/* The machine has no file system: three kinds of node exist. */
static int open_node(struct kion_device *dev, struct sim_proc *p,
		     const char *path)
{
	const char *name;

	if (strcmp(path, "/dev/ion") == 0)
		return kion_ion_open(dev, p, OPEN_FLAGS);
	if (strcmp(path, "/dev/ion-test") == 0)
		return no_node_is_enoent(kion_test_open(dev, p, OPEN_FLAGS));
	if (strncmp(path, DMA_HEAP_DIR, strlen(DMA_HEAP_DIR)) != 0)
		return -ENOENT;
	name = path + strlen(DMA_HEAP_DIR);
	if (!*name || strchr(name, '/'))
		return -ENOENT;
	return no_node_is_enoent(kion_dmaheap_open(dev, p, name, OPEN_FLAGS));
}

/* scn_exec_open - see interp.h: open PATH -> V. */
int scn_exec_open(struct scn_ctx *c)
{
	int fd = open_node(c->run->dev, c->proc, c->s->name);

	return fd < 0 ? fd : scn_run_result(c, SCN_VAR_FD, fd, 0);
}

/* scn_exec_dup - see interp.h: dup FD -> V. */
int scn_exec_dup(struct scn_ctx *c)
{
	int fd, ret;

	if (!scn_run_operand_int(c, 0, &fd))
		return 0;
	ret = sim_fd_dup(c->proc, fd);
	return ret < 0 ? ret : scn_run_result(c, SCN_VAR_FD, ret, 0);
}

/* scn_exec_close - see interp.h: close FD. */
int scn_exec_close(struct scn_ctx *c)
{
	int fd;

	if (!scn_run_operand_int(c, 0, &fd))
		return 0;
	return sim_fd_close(c->proc, fd);
}

/* scn_exec_send - see interp.h: send FD to PROC -> V, V in PROC. */
int scn_exec_send(struct scn_ctx *c)
{
	struct sim_proc *to = scn_run_other_proc(c);
	int fd, ret;

	if (!scn_run_operand_int(c, 0, &fd))
		return 0;
	if (!to)
		return -ESRCH;
	ret = sim_fd_send(c->proc, fd, to);
	return ret < 0 ? ret : scn_run_result(c, SCN_VAR_FD, ret, 0);
}

/* scn_exec_exit - see interp.h: mappings, then fds, lowest first. */
int scn_exec_exit(struct scn_ctx *c)
{
	return sim_proc_exit(c->proc);
}

/* ------------------------------------------------------------------ */
/* ION ioctls                                                           */
/* ------------------------------------------------------------------ */

/* The step's ioctl argument, zeroed: @size bytes of the run's scratch. */
static void *arg_of(struct scn_ctx *c, size_t size)
{
	void *arg = &c->scratch->arg;

	memset(arg, 0, size);
	return arg;
}

/* The legacy ALLOC: a handle in the client behind fd @ion. */
static int alloc_legacy(struct scn_ctx *c, int ion)
{
	const struct scn_step *s = c->s;
	struct ion_allocation_data *a = arg_of(c, sizeof(*a));
	struct kion_client *client;
	struct kion_handle *h;
	int ret;

	a->len = s->len;
	a->align = s->align;
	a->heap_id_mask = s->heap_mask;
	a->flags = s->flags;
	ret = user_ioctl(c, ion, ION_IOC_ALLOC, a);
	if (ret)
		return ret;
	client = kion_client_from_file(sim_fd_peek(c->proc, ion));
	h = client ? scn_run_handle(client, a->handle) : NULL;
	scn_run_event_buffer(&c->ev, h ? h->buffer : NULL);
	return scn_run_result(c, SCN_VAR_HANDLE, a->handle, ion);
}

/* 4.12+'s ALLOC: the buffer comes back as a dma-buf fd. */
static int alloc_modern(struct scn_ctx *c, int ion)
{
	const struct scn_step *s = c->s;
	struct ion_new_allocation_data *a = arg_of(c, sizeof(*a));
	int ret;

	a->len = s->len;
	a->heap_id_mask = s->heap_mask;
	a->flags = s->flags;
	ret = user_ioctl(c, ion, ION_IOC_NEW_ALLOC, a);
	if (ret)
		return ret;
	scn_run_event_buffer(&c->ev, scn_run_fd_buffer(c->proc, (int)a->fd));
	return scn_run_result(c, SCN_VAR_FD, (int)a->fd, 0);
}

/* scn_exec_alloc - see interp.h: the struct of the device's ABI. */
int scn_exec_alloc(struct scn_ctx *c)
{
	int ion;

	if (!scn_run_operand_int(c, 0, &ion))
		return 0;
	if (c->run->dev->cfg.abi == KION_ABI_MODERN)
		return alloc_modern(c, ion);
	return alloc_legacy(c, ion);
}

/* scn_exec_free - see interp.h: ION_IOC_FREE. */
int scn_exec_free(struct scn_ctx *c)
{
	struct ion_handle_data *d = arg_of(c, sizeof(*d));
	int ion;

	if (!scn_run_operand_int(c, 0, &ion) ||
	    !scn_run_operand_int(c, 1, &d->handle))
		return 0;
	return user_ioctl(c, ion, ION_IOC_FREE, d);
}

/* scn_exec_share - see interp.h: ION_IOC_SHARE or ION_IOC_MAP. */
int scn_exec_share(struct scn_ctx *c)
{
	unsigned int cmd = c->s->op == SCN_OP_MAP ? ION_IOC_MAP : ION_IOC_SHARE;
	struct ion_fd_data *d = arg_of(c, sizeof(*d));
	int ion, ret;

	if (!scn_run_operand_int(c, 0, &ion) ||
	    !scn_run_operand_int(c, 1, &d->handle))
		return 0;
	ret = user_ioctl(c, ion, cmd, d);
	return ret ? ret : scn_run_result(c, SCN_VAR_FD, d->fd, 0);
}

/* scn_exec_import - see interp.h: ION_IOC_IMPORT. */
int scn_exec_import(struct scn_ctx *c)
{
	struct ion_fd_data *d = arg_of(c, sizeof(*d));
	int ion, ret;

	if (!scn_run_operand_int(c, 0, &ion) ||
	    !scn_run_operand_int(c, 1, &d->fd))
		return 0;
	ret = user_ioctl(c, ion, ION_IOC_IMPORT, d);
	return ret ? ret : scn_run_result(c, SCN_VAR_HANDLE, d->handle, ion);
}

/* scn_exec_sync - see interp.h: ION_IOC_SYNC. */
int scn_exec_sync(struct scn_ctx *c)
{
	struct ion_fd_data *d = arg_of(c, sizeof(*d));
	int ion;

	if (!scn_run_operand_int(c, 0, &ion) ||
	    !scn_run_operand_int(c, 1, &d->fd))
		return 0;
	return user_ioctl(c, ion, ION_IOC_SYNC, d);
}

/* scn_exec_query - see interp.h: the count, then a list of that many,
 * as libion's ion_query_heap_cnt and ion_query_get_heaps ask. */
int scn_exec_query(struct scn_ctx *c)
{
	struct ion_heap_query *q = arg_of(c, sizeof(*q));
	int ion, ret;

	if (!scn_run_operand_int(c, 0, &ion))
		return 0;
	ret = user_ioctl(c, ion, ION_IOC_HEAP_QUERY, q);
	if (ret)
		return ret;
	if (q->cnt > HEAP_MAX_HEAPS)
		q->cnt = HEAP_MAX_HEAPS;
	q->heaps = (uintptr_t)c->scratch->heaps;
	ret = user_ioctl(c, ion, ION_IOC_HEAP_QUERY, q);
	c->ev.ret = q->cnt;
	return ret;
}

/* scn_exec_heapalloc - see interp.h: DMA_HEAP_IOCTL_ALLOC. */
int scn_exec_heapalloc(struct scn_ctx *c)
{
	struct dma_heap_allocation_data *a = arg_of(c, sizeof(*a));
	int heapfd, ret;

	if (!scn_run_operand_int(c, 0, &heapfd))
		return 0;
	a->len = c->s->len;
	a->fd_flags = c->s->fd_flags;
	ret = user_ioctl(c, heapfd, DMA_HEAP_IOCTL_ALLOC, a);
	if (ret)
		return ret;
	scn_run_event_buffer(&c->ev, scn_run_fd_buffer(c->proc, (int)a->fd));
	return scn_run_result(c, SCN_VAR_FD, (int)a->fd, 0);
}

/* scn_exec_cpu_sync - see interp.h: DMA_BUF_IOCTL_SYNC, START for
 * cpu_begin and END for cpu_end; no direction written means both. */
int scn_exec_cpu_sync(struct scn_ctx *c)
{
	struct dma_buf_sync *sync = arg_of(c, sizeof(*sync));
	int fd;

	if (!scn_run_operand_int(c, 0, &fd))
		return 0;
	sync->flags = c->s->dir ? (unsigned int)c->s->dir : DMA_BUF_SYNC_RW;
	sync->flags |= c->s->op == SCN_OP_CPU_END ? DMA_BUF_SYNC_END
						  : DMA_BUF_SYNC_START;
	return user_ioctl(c, fd, DMA_BUF_IOCTL_SYNC, sync);
}

/* ------------------------------------------------------------------ */
/* Mappings                                                             */
/* ------------------------------------------------------------------ */

/* mmap's length when none is written: what lseek(fd, 0, SEEK_END) says,
 * less the offset.  A file that cannot tell gets one page, so that mmap
 * itself gives the kernel's answer (EBADF, ENODEV, EACCES...). */
static uint64_t default_len(struct sim_proc *p, int fd, uint64_t offset)
{
	struct sim_file *f = sim_fd_peek(p, fd);
	int64_t size;

	if (!f || !f->ops->llseek)
		return SIM_PAGE_SIZE;
	size = f->ops->llseek(f, 0, SEEK_END);
	if (size <= 0 || (uint64_t)size <= offset)
		return size <= 0 ? SIM_PAGE_SIZE : (uint64_t)size;
	return (uint64_t)size - offset;
}

/* scn_exec_mmap - see interp.h: a shared mapping; M is its address. */
int scn_exec_mmap(struct scn_ctx *c)
{
	const struct scn_step *s = c->s;
	int prot = s->prot ? s->prot : SIM_PROT_READ | SIM_PROT_WRITE;
	struct sim_vma *vma;
	uint64_t len;
	int fd, ret;

	if (!scn_run_operand_int(c, 0, &fd))
		return 0;
	len = s->has_len ? s->len : default_len(c->proc, fd, s->offset);
	ret = sim_mmap(c->proc, fd, len, prot, SIM_MAP_SHARED, s->offset, &vma);
	if (ret)
		return ret;
	return scn_run_result(c, SCN_VAR_MAPPING, (int64_t)vma->uaddr, 0);
}

/* scn_exec_munmap - see interp.h: the whole mapping that starts at M. */
int scn_exec_munmap(struct scn_ctx *c)
{
	struct sim_vma *vma;
	int64_t uaddr;

	if (!scn_run_operand(c, 0, &uaddr))
		return 0;
	vma = sim_vma_find_uaddr(c->proc, (uint64_t)uaddr);
	if (!vma || vma->uaddr != (uint64_t)uaddr)
		return -EINVAL;
	return sim_munmap_uaddr(c->proc, vma->uaddr, vma->len);
}

/*
 * The mapping that holds @len bytes at M + OFFSET, with their offset in
 * it in *@at, when they lie in one mapping of the actor whose protection
 * has @prot; NULL otherwise (the access a real process would die of).
 * The run's mappings are lazy (scn_run_new): the bytes are reached
 * through physical memory, as every mapping of the pages sees them.
 */
static struct sim_vma *user_range(struct scn_ctx *c, int64_t m, uint64_t len,
				  int prot, uint64_t *at)
{
	uint64_t addr = (uint64_t)m + c->s->offset;
	struct sim_vma *vma;

	if (addr < (uint64_t)m)
		return NULL;
	vma = sim_vma_find_uaddr(c->proc, addr);
	if (!vma || (vma->prot & prot) != prot)
		return NULL;
	*at = addr - vma->uaddr;
	if (*at > vma->mapped || len > vma->mapped - *at)
		return NULL;
	return vma;
}

/* LEN bytes of value @byte at @at in @vma, a page at a time. */
static int fill_bytes(struct sim_vma *vma, uint64_t at, uint64_t len,
		      int byte)
{
	unsigned char page[SIM_PAGE_SIZE];
	int ret = 0;

	memset(page, byte, sizeof(page));
	while (len && !ret) {
		uint64_t take = len < sizeof(page) ? len : sizeof(page);

		ret = sim_vma_access(vma, at, page, take, true);
		at += take;
		len -= take;
	}
	return ret;
}

/* scn_exec_write - see interp.h: the text, or LEN bytes of byte=. */
int scn_exec_write(struct scn_ctx *c)
{
	const struct scn_step *s = c->s;
	uint64_t len = s->text ? s->text_len : s->len, at;
	struct sim_vma *vma;
	int64_t m;

	if (!scn_run_operand(c, 0, &m))
		return 0;
	vma = user_range(c, m, len, SIM_PROT_WRITE, &at);
	if (!vma)
		return -EFAULT;
	if (s->text)
		return sim_vma_access(vma, at, s->text, s->text_len, true);
	return fill_bytes(vma, at, len, s->byte);
}

/* @len bytes of @b as the scenario language writes a string, cut to
 * fit @buf. */
static void quote_bytes(const unsigned char *b, size_t len, char *buf,
			size_t size)
{
	size_t at = 0, i;

	for (i = 0; i < len && at + 5 < size; i++) {
		unsigned char ch = b[i];

		if (ch == '"' || ch == '\\')
			at += (size_t)snprintf(buf + at, size - at, "\\%c", ch);
		else if (ch >= 0x20 && ch < 0x7f)
			buf[at++] = (char)ch;
		else
			at += (size_t)snprintf(buf + at, size - at, "\\x%02x",
					       ch);
	}
	buf[at] = '\0';
}

/* scn_exec_read - see interp.h: other bytes are a READ finding; the
 * load itself succeeded. */
int scn_exec_read(struct scn_ctx *c)
{
	const struct scn_step *s = c->s;
	char who[80], found[64], want[64];
	struct sim_vma *vma;
	unsigned char *bytes;
	uint64_t at;
	int64_t m;
	int ret;

	if (!scn_run_operand(c, 0, &m))
		return 0;
	vma = user_range(c, m, s->text_len, SIM_PROT_READ, &at);
	if (!vma)
		return -EFAULT;
	bytes = malloc(s->text_len ? s->text_len : 1);
	if (!bytes)
		return -ENOMEM;
	ret = sim_vma_access(vma, at, bytes, s->text_len, false);
	if (!ret && s->text_len && memcmp(bytes, s->text, s->text_len) != 0) {
		scn_run_step_words(c->run, s, who, sizeof(who));
		quote_bytes(bytes, s->text_len, found, sizeof(found));
		quote_bytes((const unsigned char *)s->text, s->text_len, want,
			    sizeof(want));
		scn_run_finding(c->run, SCN_FIND_READ, s,
				"%s at offset %llu found \"%s\", expected "
				"\"%s\"", who, (unsigned long long)s->offset,
				found, want);
	}
	free(bytes);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The kernel's threads, and faults                                      */
/* ------------------------------------------------------------------ */

/* scn_exec_drain - see interp.h: the whole deferred-free list. */
int scn_exec_drain(struct scn_ctx *c)
{
	struct heap *heap = kion_heap_by_name(c->run->dev, c->s->name);

	if (!heap)
		return -ENODEV;
	c->ev.ret = (long)heap_drain(heap, 0);
	return 0;
}

/* scn_exec_shrink - see interp.h: up to LEN pages. */
int scn_exec_shrink(struct scn_ctx *c)
{
	struct heap *heap = kion_heap_by_name(c->run->dev, c->s->name);

	if (!heap)
		return -ENODEV;
	c->ev.ret = (long)heap_shrink_scan(heap, (unsigned long)c->s->len);
	return 0;
}

/* scn_exec_fail - see interp.h: sim_fault_arm where it stands. */
int scn_exec_fail(struct scn_ctx *c)
{
	return sim_fault_arm(c->run->m, c->s->fault, c->s->nth);
}
