/*
 * scenarios/lang/explore_footprint.c - what a step of a scenario may
 * touch, for the explorer's sleep sets.
 *
 * Footprints.  For each enabled step the explorer gets a 64-bit set of
 * what the step may read or write, computed in the current state; two
 * steps whose sets are disjoint are treated as independent (they
 * commute, and neither enables the other).  The bits stand for:
 *   - the step's process scope (its process's fd table, mappings and
 *     variables, shared by its threads), and the other scope a step
 *     names (the receiver of a send or a driver's share, the source of
 *     a driver's import or get, the child of a fork): bits 0-15 by the
 *     scope's actor index, so that every two steps of one process, and
 *     a binder and the steps waiting for it, always intersect;
 *   - forks share bit 16: a child's pid is the next free one;
 *   - every heap an allocation may use (each heap of its mask; system
 *     and system_contig share one bit, as they share the buddy), the
 *     heap a drain or shrink names, and the heap of every buffer the
 *     step may reach (it may drop the last reference and so free into
 *     that heap): bits 17-24;
 *   - the objects behind its operands, by serial: the file behind an fd
 *     or a mapping, the dma-buf and the buffer behind it, the client of
 *     a /dev/ion file, the buffer behind a handle, a driver's client,
 *     get or attachment: bits 25-63.  Closing a /dev/ion file, exit and
 *     fork reach further: a released client destroys all its handles,
 *     and exit and fork touch every file of the process;
 *   - an integer literal operand (a raw fd or handle number) stands for
 *     every file of the process.
 * A buffer is four objects: its references and everything else, its
 * kernel map count, its device map count, its bytes.  A step that may
 * take or drop a reference touches all four (and the heap: the last
 * reference frees into it); three kinds of step touch one part only and
 * none of the buffer's references:
 *   - cpu_begin and cpu_end (DMA_BUF_IOCTL_SYNC) its kernel map count
 *     (Linux 4.9's begin/end_cpu_access; the file reference the ioctl
 *     holds is given back before it returns);
 *   - dmamap and dmaunmap its device map count and the attachment;
 *   - read and write through a mapping its bytes.
 * So a camera mapping a frame for its ISP and a compositor syncing the
 * same frame for the CPU commute, as they do in the kernel: different
 * counters, each under buffer->lock.
 * Why this is conservative: a step only touches state through its
 * process, the operands it names, the objects these reach and the
 * heaps those may free into or allocate from; all of these are in its
 * set, and any two sets that share an object intersect.  Different
 * objects may share a bit (the sets are hashed into 64), which only
 * makes more steps dependent.  One object is left out on purpose: the
 * terminal behind fds 0-2 of every process, whose count changes commute
 * (the machine holds it, so it is never released) and whose ioctls all
 * fail with ENOTTY.
 */
#include <stdint.h>

#include "scenarios/lang/explore_world_int.h"

/* The bits of a footprint (see the top of this file). */
#define SCOPE_BITS 16
#define FORK_BIT (1ull << 16)	/* pids: shared by every fork */
#define HEAP_BASE 17
#define HEAP_BITS 8
#define OBJ_BASE 25
#define OBJ_BITS 39

/* Classes of the objects footprints name: a buffer is the last four. */
enum {
	OBJ_FILE = 1, OBJ_CLIENT, OBJ_DMABUF, OBJ_ATTACH, OBJ_BUFFER,
	OBJ_BUF_KMAP, OBJ_BUF_DMAP, OBJ_BUF_BYTES,
};

static uint64_t scope_bit(int actor)
{
	return 1ull << ((unsigned int)actor % SCOPE_BITS);
}

/* The bit of an object (class, serial): hashed, so that objects made
 * later do not all pile on one bit. */
static uint64_t obj_bit(unsigned int cls, uint64_t serial)
{
	uint64_t x = (serial << 4 | cls) * 0x9e3779b97f4a7c15ull;

	return 1ull << (OBJ_BASE + (unsigned int)((x >> 40) % OBJ_BITS));
}

/* The bit of @heap: system and system_contig share the buddy. */
static uint64_t heap_bit(const struct kion_device *dev,
			 const struct heap *heap)
{
	enum heap_type t = heap_type(heap);
	unsigned int i;

	if (t == HEAP_TYPE_SYSTEM || t == HEAP_TYPE_SYSTEM_CONTIG)
		return 1ull << HEAP_BASE;
	for (i = 0; i < dev->nheaps && dev->heaps[i] != heap; i++)
		;
	return 1ull << (HEAP_BASE + 1 + i % (HEAP_BITS - 1));
}

/* The whole of buffer @b, and its heap. */
static uint64_t buffer_bits(const struct kion_device *dev,
			    const struct kion_buffer *b)
{
	if (!b)
		return 0;
	return obj_bit(OBJ_BUFFER, b->serial) |
	       obj_bit(OBJ_BUF_KMAP, b->serial) |
	       obj_bit(OBJ_BUF_DMAP, b->serial) |
	       obj_bit(OBJ_BUF_BYTES, b->serial) | heap_bit(dev, b->heap);
}

static uint64_t dmabuf_bits(const struct kion_device *dev,
			    const struct kion_dmabuf *db)
{
	if (!db)
		return 0;
	return obj_bit(OBJ_DMABUF, db->serial) | buffer_bits(dev, db->buffer);
}

/* A client, and with @deep every buffer its handles hold (a release
 * destroys them all). */
static uint64_t client_bits(const struct kion_device *dev,
			    struct kion_client *c, bool deep)
{
	struct kion_handle *h;
	uint64_t fp;

	if (!c)
		return 0;
	fp = obj_bit(OBJ_CLIENT, c->serial);
	if (deep)
		RB_FOREACH(h, kion_handle_by_id, &c->idr)
			fp |= buffer_bits(dev, h->buffer);
	return fp;
}

static uint64_t file_bits(const struct scn_world *w, struct sim_file *f,
			  bool deep)
{
	const struct kion_device *dev = w->run->dev;

	if (!f || f == sim_tty(w->run->m))
		return 0;
	if (kion_dmabuf_from_file(f))
		return dmabuf_bits(dev, kion_dmabuf_from_file(f));
	if (kion_client_from_file(f))
		return client_bits(dev, kion_client_from_file(f), deep);
	if (f->ops == &kion_dmaheap_fops)
		return obj_bit(OBJ_FILE, f->ino) |
		       heap_bit(dev, ((struct kion_dmaheap *)
				      f->private_data)->heap);
	return obj_bit(OBJ_FILE, f->ino);
}

struct proc_walk {
	const struct scn_world *w;
	uint64_t fp;
};

static int fd_bits(struct sim_proc *p, int fd, struct sim_file *f, void *ctx)
{
	struct proc_walk *pw = ctx;

	pw->fp |= file_bits(pw->w, f, true);
	return 0;
}

static int vma_bits(struct sim_vma *vma, void *ctx)
{
	struct proc_walk *pw = ctx;

	pw->fp |= file_bits(pw->w, vma->file, true);
	return 0;
}

/* Every file of @p, as far as releasing them reaches. */
static uint64_t proc_bits(const struct scn_world *w, struct sim_proc *p)
{
	struct proc_walk pw = { w, 0 };

	if (!p || !sim_proc_alive(p))
		return 0;
	sim_fd_foreach(p, fd_bits, &pw);
	sim_vma_foreach(p, vma_bits, &pw);
	return pw.fp;
}

/* The buffer behind handle @id of client @c, with the client. */
static uint64_t handle_bits(const struct kion_device *dev,
			   struct kion_client *c, int64_t id)
{
	struct kion_handle *h;

	if (!c)
		return 0;
	h = id >= 0 && id <= INT32_MAX ? scn_run_handle(c, (int)id) : NULL;
	return client_bits(dev, c, false) |
	       buffer_bits(dev, h ? h->buffer : NULL);
}

/* What a variable of scope @scope stands for. */
static uint64_t var_bits(const struct scn_world *w, int scope,
			 const struct scn_var *v, bool deep)
{
	struct scn_run *run = w->run;
	struct sim_proc *proc = scn_run_proc(run, scope);
	struct sim_vma *vma;

	switch (v->kind) {
	case SCN_VAR_FD:
		return proc ? file_bits(w, sim_fd_peek(proc, (int)v->value),
					deep) : 0;
	case SCN_VAR_HANDLE:
		return proc ? handle_bits(run->dev, kion_client_from_file(
				sim_fd_peek(proc, v->aux)), v->value) : 0;
	case SCN_VAR_MAPPING:
		vma = proc ? sim_vma_find_uaddr(proc, (uint64_t)v->value) : NULL;
		return vma ? file_bits(w, vma->file, deep) : 0;
	case SCN_VAR_CLIENT:
		return client_bits(run->dev, scn_run_client(run, (int)v->value),
				   deep);
	case SCN_VAR_KHANDLE:
		return handle_bits(run->dev, scn_run_client(run, v->aux),
				   v->value);
	case SCN_VAR_GET:
		return v->value >= 0 && v->value < run->ngets ?
		       dmabuf_bits(run->dev, run->gets[v->value].db) : 0;
	case SCN_VAR_ATTACH:
		return v->value >= 0 && v->value < run->natts ?
		       dmabuf_bits(run->dev, run->atts[v->value].db) : 0;
	default:
		return 0;
	}
}

/* Steps that may release a whole client or every file of a process. */
static bool reaches_deep(enum scn_op op)
{
	return op == SCN_OP_CLOSE || op == SCN_OP_EXIT || op == SCN_OP_FORK ||
	       op == SCN_OP_KDESTROY;
}

/* What the operands of @s stand for. */
static uint64_t operand_bits(const struct scn_world *w,
			     const struct scn_step *s)
{
	const struct scn_program *p = w->p;
	bool deep = reaches_deep(s->op);
	uint64_t fp = 0;
	unsigned int i;

	for (i = 0; i < SCN_MAX_ARGS; i++) {
		int scope = scn_operand_scope(p, s, i);
		const struct scn_var *vars;

		if (s->arg[i].kind == SCN_VALUE_INT)
			fp |= proc_bits(w, scn_run_proc(w->run, scope));
		if (s->arg[i].kind != SCN_VALUE_VAR || scope < 0)
			continue;
		vars = scn_run_vars(w->run, scope);
		if (vars)
			fp |= var_bits(w, scope, &vars[s->arg[i].var], deep);
	}
	return fp;
}

/* Every heap of an allocation's mask. */
static uint64_t mask_bits(const struct kion_device *dev, unsigned int mask)
{
	uint64_t fp = 0;
	unsigned int i;

	for (i = 0; i < dev->nheaps; i++)
		if (mask >> (heap_id(dev->heaps[i]) & 31) & 1)
			fp |= heap_bit(dev, dev->heaps[i]);
	return fp;
}

/* The bound variable of @s's first operand, or NULL. */
static const struct scn_var *first_var(const struct scn_world *w,
				       const struct scn_step *s)
{
	const struct scn_var *vars;

	if (s->arg[0].kind != SCN_VALUE_VAR)
		return NULL;
	vars = scn_run_vars(w->run, scn_operand_scope(w->p, s, 0));
	return vars ? &vars[s->arg[0].var] : NULL;
}

/* The ION buffer behind dma-buf file @f, or NULL. */
static const struct kion_buffer *file_buffer(struct sim_file *f)
{
	const struct kion_dmabuf *db = f ? kion_dmabuf_from_file(f) : NULL;

	return db ? db->buffer : NULL;
}

/* The one part of one buffer a cpu_begin/end, dmamap/unmap, read or
 * write touches (see the top of this file): true with *@fp set, or false
 * when the step is not one of those or its operand does not lead to a
 * buffer (the general rules then apply). */
static bool narrow_bits(const struct scn_world *w, const struct scn_step *s,
			uint64_t *fp)
{
	const struct scn_var *v = first_var(w, s);
	struct scn_run *run = w->run;
	struct sim_proc *proc = scn_run_proc(run, scn_scope_of(w->p, s->actor));
	const struct kion_buffer *b = NULL;
	struct sim_vma *vma;
	unsigned int cls;

	if (!v || !proc)
		return false;
	switch (s->op) {
	case SCN_OP_CPU_BEGIN:
	case SCN_OP_CPU_END:
		if (v->kind == SCN_VAR_FD)
			b = file_buffer(sim_fd_peek(proc, (int)v->value));
		cls = OBJ_BUF_KMAP;
		break;
	case SCN_OP_DMAMAP:
	case SCN_OP_DMAUNMAP:
		if (v->kind == SCN_VAR_ATTACH && v->value >= 0 &&
		    v->value < run->natts && run->atts[v->value].db)
			b = run->atts[v->value].db->buffer;
		cls = OBJ_BUF_DMAP;
		break;
	case SCN_OP_READ:
	case SCN_OP_WRITE:
		vma = v->kind == SCN_VAR_MAPPING ?
		      sim_vma_find_uaddr(proc, (uint64_t)v->value) : NULL;
		b = vma ? file_buffer(vma->file) : NULL;
		cls = OBJ_BUF_BYTES;
		break;
	default:
		return false;
	}
	if (!b)
		return false;
	*fp = obj_bit(cls, b->serial);
	if (cls == OBJ_BUF_DMAP)
		*fp |= obj_bit(OBJ_ATTACH, (uint64_t)v->value);
	return true;
}

/* scn_world_footprint - see explore_world_int.h. */
uint64_t scn_world_footprint(const struct scn_world *w, unsigned int i)
{
	const struct scn_step *s = &w->p->steps[i];
	struct kion_device *dev = w->run->dev;
	int scope = scn_scope_of(w->p, s->actor);
	uint64_t fp = scope_bit(scope), part;
	struct heap *heap;

	if (narrow_bits(w, s, &part))
		return fp | part;
	fp |= operand_bits(w, s);

	if (s->other >= 0)
		fp |= scope_bit(s->other);
	switch (s->op) {
	case SCN_OP_ALLOC:
	case SCN_OP_KALLOC:
		return fp | mask_bits(dev, s->heap_mask);
	case SCN_OP_DRAIN:
	case SCN_OP_SHRINK:
		heap = kion_heap_by_name(dev, s->name);
		return heap ? fp | heap_bit(dev, heap) : fp;
	case SCN_OP_FORK:
		/* a fork takes a reference on every file, as exit drops one */
		return fp | FORK_BIT | proc_bits(w, scn_run_proc(w->run, scope));
	case SCN_OP_EXIT:
		return fp | proc_bits(w, scn_run_proc(w->run, scope));
	default:
		return fp;
	}
}
