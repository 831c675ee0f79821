/*
 * sim/vma.c - user mappings (VMAs): mmap, munmap, fork's copy and exit's
 * unmap.
 *
 * A mapping is real: a host range reserved for it is filled, by the
 * file's mmap op through sim_vma_map_runs(), with shared mappings of the
 * memfd pages behind the file, so two mappings of the same pages see each
 * other's writes.  Each mapping also has a simulated user address, given
 * per process from a cursor that only grows (a gap page between
 * mappings), so the addresses a scenario prints do not depend on where
 * the host put anything.  A mapping holds a reference to its file, as
 * vm_file does, so a buffer stays alive while it is mapped.
 *
 * Lazily (sim_set_lazy_mappings), a mapping records its pages and gets
 * its host range only when asked (sim_vma_host); its bytes are reached
 * through physical memory meanwhile (sim_vma_access), which sees what
 * every other mapping of those pages sees.
 *
 * Simplifications: MAP_PRIVATE maps the same pages as MAP_SHARED (no
 * copy-on-write: drivers' pfn mappings are what the model needs), and
 * munmap removes exactly one whole mapping (no splitting).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/sim_internal.h"

#define UADDR_BASE 0x7f0000000000ULL	/* each process's first mapping */
#define UADDR_END 0x800000000000ULL	/* x86-64's 47-bit user space */
#define PAGE_MASK_LOW (SIM_PAGE_SIZE - 1)

struct sim_vma_node {
	struct sim_vma vma;	/* what callers and drivers see */
	RB_ENTRY(sim_vma_node) host_node;	/* in mm->by_host */
	RB_ENTRY(sim_vma_node) uaddr_node;	/* in mm->by_uaddr */
	/* The pages mapped, exactly (skip applied, cut to the length): what
	 * fork maps again in the child.  NULL while nothing is mapped. */
	struct sim_run *runs;
	unsigned int nruns;
	bool hosted;		/* has a host range (and is in mm->by_host) */
};

/* Host addresses order the by_host tree for lookups only: nothing is
 * ever visited in that order, which would let the host's layout leak
 * into output. */
static int host_cmp(const struct sim_vma_node *a, const struct sim_vma_node *b)
{
	uintptr_t x = (uintptr_t)a->vma.host, y = (uintptr_t)b->vma.host;

	return (x > y) - (x < y);
}

static int uaddr_cmp(const struct sim_vma_node *a,
		     const struct sim_vma_node *b)
{
	return (a->vma.uaddr > b->vma.uaddr) - (a->vma.uaddr < b->vma.uaddr);
}

RB_PROTOTYPE(sim_vma_host_tree, sim_vma_node, host_node, host_cmp)
RB_GENERATE(sim_vma_host_tree, sim_vma_node, host_node, host_cmp)
RB_PROTOTYPE(sim_vma_uaddr_tree, sim_vma_node, uaddr_node, uaddr_cmp)
RB_GENERATE(sim_vma_uaddr_tree, sim_vma_node, uaddr_node, uaddr_cmp)

static struct sim_vma_node *to_node(struct sim_vma *vma)
{
	return (struct sim_vma_node *)((char *)vma -
				       offsetof(struct sim_vma_node, vma));
}

static bool page_aligned(uint64_t x)
{
	return (x & PAGE_MASK_LOW) == 0;
}

static int host_prot(int prot)
{
	return (prot & SIM_PROT_READ ? PROT_READ : 0) |
	       (prot & SIM_PROT_WRITE ? PROT_WRITE : 0);
}

void sim_mm_init(struct sim_proc *p)
{
	RB_INIT(&p->mm.by_host);
	RB_INIT(&p->mm.by_uaddr);
	p->mm.count = 0;
	p->mm.next_uaddr = UADDR_BASE;
}

static void mm_insert(struct sim_mm *mm, struct sim_vma_node *n)
{
	if (n->hosted)
		RB_INSERT(sim_vma_host_tree, &mm->by_host, n);
	RB_INSERT(sim_vma_uaddr_tree, &mm->by_uaddr, n);
	mm->count++;
}

static void mm_remove(struct sim_mm *mm, struct sim_vma_node *n)
{
	if (n->hosted)
		RB_REMOVE(sim_vma_host_tree, &mm->by_host, n);
	RB_REMOVE(sim_vma_uaddr_tree, &mm->by_uaddr, n);
	mm->count--;
}

/* ---- the runs behind a mapping -------------------------------------- */

/*
 * Which of @runs hold bytes [@skip, @skip + @len) of their concatenation:
 * *@first is the index of the run holding byte @skip (*@skip_in_first
 * bytes into it), *@count how many runs from there are needed.  Empty
 * runs inside the span are counted too; runs_slice() drops them.
 */
static int runs_span(const struct sim_run *runs, unsigned int n,
		     uint64_t skip, uint64_t len, unsigned int *first,
		     uint64_t *skip_in_first, unsigned int *count)
{
	unsigned int i = 0;

	while (i < n && skip >= runs[i].len) {
		skip -= runs[i].len;
		i++;
	}
	*first = i;
	*skip_in_first = skip;
	len += skip;
	while (i < n && len > 0) {
		len -= len < runs[i].len ? len : runs[i].len;
		i++;
	}
	*count = i - *first;
	return len > 0 ? -EINVAL : 0;
}

static bool runs_aligned(const struct sim_run *runs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!page_aligned(runs[i].phys) || !page_aligned(runs[i].len))
			return false;
	return true;
}

/*
 * The part of @runs that holds bytes [@skip, @skip + @len) of their
 * concatenation, as a new array (a kernel object) of non-empty runs.
 * -EINVAL when the runs are unaligned or too short, -ENOMEM.
 */
static int runs_slice(struct sim_machine *m, const struct sim_run *runs,
		      unsigned int n, uint64_t skip, uint64_t len,
		      struct sim_run **out, unsigned int *nout)
{
	unsigned int first, count, i, k = 0;
	uint64_t head;
	struct sim_run *slice;
	int ret;

	if (!runs_aligned(runs, n) || !page_aligned(skip) || len == 0)
		return -EINVAL;
	ret = runs_span(runs, n, skip, len, &first, &head, &count);
	if (ret)
		return ret;
	slice = sim_kzalloc(m, (size_t)count * sizeof(*slice));
	if (!slice)
		return -ENOMEM;
	for (i = first; i < first + count; i++) {
		uint64_t phys = runs[i].phys + head;
		uint64_t take = runs[i].len - head;

		if (take > len)
			take = len;
		head = 0;
		if (take == 0)
			continue;
		slice[k].phys = phys;
		slice[k].len = take;
		len -= take;
		k++;
	}
	*out = slice;
	*nout = k;
	return 0;
}

/* A copy of @n runs (a kernel object), or NULL for none. */
static int runs_dup(struct sim_machine *m, const struct sim_run *runs,
		    unsigned int n, struct sim_run **out)
{
	*out = NULL;
	if (n == 0)
		return 0;
	*out = sim_kzalloc(m, (size_t)n * sizeof(*runs));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, runs, (size_t)n * sizeof(*runs));
	return 0;
}

/*
 * sim_vma_map_runs - see sim.h.  One call fills the whole mapping (runs
 * too short for it are -EINVAL), so a mapping is either empty or full;
 * a call on a full one has nothing to do.
 */
int sim_vma_map_runs(struct sim_vma *vma, const struct sim_run *runs,
		     unsigned int n, uint64_t skip)
{
	struct sim_vma_node *node = to_node(vma);
	struct sim_machine *m = vma->proc->m;
	uint64_t need = vma->len - vma->mapped;
	struct sim_run *slice;
	unsigned int nslice;
	int ret;

	if (need == 0)
		return 0;
	ret = runs_slice(m, runs, n, skip, need, &slice, &nslice);
	if (ret)
		return ret;
	ret = !node->hosted ? 0 :
	      sim_phys_map_at(m, vma->host, slice, nslice, 0, need,
			      host_prot(vma->prot));
	if (ret) {
		sim_kfree(m, slice);
		return ret;
	}
	node->runs = slice;
	node->nruns = nslice;
	vma->mapped = vma->len;
	return 0;
}

/* ---- mmap and munmap ----------------------------------------------- */

/*
 * do_mmap()'s checks on a file mapping, in Linux's order: the length
 * (rounded up to pages in *@len), the map type, the access mode, the
 * mmap op.
 */
static int mmap_check(const struct sim_file *f, uint64_t *len, int prot,
		      int flags)
{
	if (*len == 0)
		return -EINVAL;
	if (*len > UINT64_MAX - PAGE_MASK_LOW)
		return -ENOMEM;
	*len = (*len + PAGE_MASK_LOW) & ~PAGE_MASK_LOW;
	if (flags != SIM_MAP_SHARED && flags != SIM_MAP_PRIVATE)
		return -EINVAL;
	/* A shared writable mapping writes the file: it needs FMODE_WRITE. */
	if (flags == SIM_MAP_SHARED && (prot & SIM_PROT_WRITE) &&
	    !(f->f_mode & SIM_FMODE_WRITE))
		return -EACCES;
	if (!(f->f_mode & SIM_FMODE_READ))
		return -EACCES;
	if (!f->ops->mmap)
		return -ENODEV;
	return 0;
}

/* Where @p's next mapping of @len bytes goes in user space, or 0 when
 * the user address space is used up (-ENOMEM then). */
/* sim_proc_next_uaddr - see sim.h. */
uint64_t sim_proc_next_uaddr(const struct sim_proc *p)
{
	return p->mm.next_uaddr;
}

static uint64_t uaddr_next(const struct sim_proc *p, uint64_t len)
{
	uint64_t at = p->mm.next_uaddr;

	/* The gap page after the last mapping may lie past the end. */
	if (at >= UADDR_END || len > UADDR_END - at)
		return 0;
	return at;
}

/* Everything but the host range and the pages, before the file's mmap op
 * runs: the op sees the address, the offset and the file, as in Linux. */
static void vma_setup(struct sim_vma *vma, struct sim_proc *p,
		      struct sim_file *f, uint64_t uaddr, uint64_t len,
		      int prot, int flags, uint64_t offset)
{
	vma->proc = p;
	vma->uaddr = uaddr;
	vma->len = len;
	vma->pgoff = offset >> SIM_PAGE_SHIFT;
	vma->prot = prot;
	vma->flags = flags;
	vma->file = f;
}

/* Take [@uaddr, @uaddr + @len) of @p's user space: the cursor moves past
 * it, leaving a gap page so that neighbours never touch.  Done before
 * the file's mmap op runs: the op may take locks, where another thread
 * of the process may run and map too (the explorer's preemptions), and
 * that mapping must get another address. */
static void uaddr_take(struct sim_proc *p, uint64_t uaddr, uint64_t len)
{
	p->mm.next_uaddr = uaddr + len + SIM_PAGE_SIZE;
}

/* Gives back what uaddr_take took, unless a later mapping took more. */
static void uaddr_untake(struct sim_proc *p, uint64_t uaddr, uint64_t len)
{
	if (p->mm.next_uaddr == uaddr + len + SIM_PAGE_SIZE)
		p->mm.next_uaddr = uaddr;
}

/* sim_mmap - see sim.h.  Also -ESRCH for an exited process, -EINVAL for
 * an unaligned offset or a map type that is not exactly one of shared and
 * private, -ENOMEM when user or host address space runs out, and the
 * file's mmap op's own error. */
int sim_mmap(struct sim_proc *p, int fd, uint64_t len, int prot, int flags,
	     uint64_t offset, struct sim_vma **out)
{
	struct sim_machine *m = p->m;
	struct sim_vma_node *n;
	struct sim_file *f;
	uint64_t uaddr;
	int ret;

	if (!p->alive)
		return -ESRCH;
	if (!page_aligned(offset))
		return -EINVAL;
	f = sim_fget(p, fd);	/* becomes the mapping's vm_file reference */
	if (!f)
		return -EBADF;
	ret = mmap_check(f, &len, prot, flags);
	if (ret)
		goto put_file;
	ret = -ENOMEM;
	uaddr = uaddr_next(p, len);
	if (!uaddr)
		goto put_file;
	n = sim_kzalloc(m, sizeof(*n));
	if (!n)
		goto put_file;
	n->hosted = !m->lazy_maps;
	n->vma.host = n->hosted ? sim_host_reserve(len) : NULL;
	if (n->hosted && !n->vma.host)
		goto free_node;
	vma_setup(&n->vma, p, f, uaddr, len, prot, flags, offset);
	uaddr_take(p, uaddr, len);
	ret = f->ops->mmap(f, &n->vma);
	if (ret)
		goto untake;
	if (!p->alive) {
		/* another thread's exit ran inside the op: the mapping goes
		 * as exit would have taken it */
		if (n->vma.vm_ops && n->vma.vm_ops->close)
			n->vma.vm_ops->close(&n->vma);
		ret = -ESRCH;
		goto release_host;
	}
	mm_insert(&p->mm, n);
	*out = &n->vma;
	return 0;

untake:
	uaddr_untake(p, uaddr, len);
release_host:
	/* Releasing the range also unmaps what the op mapped into it. */
	sim_kfree(m, n->runs);
	sim_host_release(n->vma.host, len);
free_node:
	sim_kfree(m, n);
put_file:
	sim_file_put(f);
	return ret;
}

/* The mapping of @p that contains host address @addr.  Mappings never
 * overlap, so a plain descent by start address finds it. */
static struct sim_vma_node *lookup_host(struct sim_proc *p, uintptr_t addr)
{
	struct sim_vma_node *n = RB_ROOT(&p->mm.by_host);

	while (n) {
		uintptr_t start = (uintptr_t)n->vma.host;

		if (addr < start)
			n = RB_LEFT(n, host_node);
		else if (addr - start >= n->vma.len)
			n = RB_RIGHT(n, host_node);
		else
			break;
	}
	return n;
}

/* The mapping of @p that contains user address @addr (as lookup_host). */
static struct sim_vma_node *lookup_uaddr(struct sim_proc *p, uint64_t addr)
{
	struct sim_vma_node *n = RB_ROOT(&p->mm.by_uaddr);

	while (n) {
		if (addr < n->vma.uaddr)
			n = RB_LEFT(n, uaddr_node);
		else if (addr - n->vma.uaddr >= n->vma.len)
			n = RB_RIGHT(n, uaddr_node);
		else
			break;
	}
	return n;
}

/* Unmaps mapping @n when the address given was its start (@at_start) and
 * @len, rounded up to pages, is its whole length: 0, or -EINVAL. */
static int unmap_whole(struct sim_vma_node *n, bool at_start, uint64_t len)
{
	if (!n || !at_start || len == 0 || len > UINT64_MAX - PAGE_MASK_LOW ||
	    ((len + PAGE_MASK_LOW) & ~PAGE_MASK_LOW) != n->vma.len)
		return -EINVAL;
	sim_vma_unmap(&n->vma);
	return 0;
}

/* sim_munmap - see sim.h.  Linux would unmap any page range and accept
 * one with nothing mapped; here only one whole mapping can go, @len
 * rounded up to pages, so a scenario's sloppy munmap is caught.
 * -ESRCH for an exited process. */
int sim_munmap(struct sim_proc *p, void *host, uint64_t len)
{
	struct sim_vma_node *n;

	if (!p->alive)
		return -ESRCH;
	n = lookup_host(p, (uintptr_t)host);
	return unmap_whole(n, n && n->vma.host == host, len);
}

/* sim_munmap_uaddr - see sim.h. */
int sim_munmap_uaddr(struct sim_proc *p, uint64_t uaddr, uint64_t len)
{
	struct sim_vma_node *n;

	if (!p->alive)
		return -ESRCH;
	n = lookup_uaddr(p, uaddr);
	return unmap_whole(n, n && n->vma.uaddr == uaddr, len);
}

void sim_set_lazy_mappings(struct sim_machine *m, bool on)
{
	m->lazy_maps = on;
}

/* sim_vma_host - see sim.h: the range is reserved and filled with what
 * the mapping recorded, as sim_vma_map_runs would have. */
void *sim_vma_host(struct sim_vma *vma)
{
	struct sim_vma_node *n = to_node(vma);
	struct sim_machine *m = vma->proc->m;

	if (n->hosted)
		return vma->host;
	vma->host = sim_host_reserve(vma->len);
	if (!vma->host)
		return NULL;
	if (vma->mapped &&
	    sim_phys_map_at(m, vma->host, n->runs, n->nruns, 0, vma->mapped,
			    host_prot(vma->prot))) {
		sim_host_release(vma->host, vma->len);
		vma->host = NULL;
		return NULL;
	}
	n->hosted = true;
	RB_INSERT(sim_vma_host_tree, &vma->proc->mm.by_host, n);
	return vma->host;
}

/* sim_vma_access - see sim.h: run by run of the recorded pages. */
int sim_vma_access(struct sim_vma *vma, uint64_t off, void *buf,
		   uint64_t len, bool write)
{
	const struct sim_vma_node *n = to_node(vma);
	struct sim_machine *m = vma->proc->m;
	unsigned char *at = buf;
	unsigned int i;
	int ret;

	if (off > vma->mapped || len > vma->mapped - off)
		return -EFAULT;
	for (i = 0; i < n->nruns && len; i++) {
		uint64_t take;

		if (off >= n->runs[i].len) {
			off -= n->runs[i].len;
			continue;
		}
		take = n->runs[i].len - off < len ? n->runs[i].len - off : len;
		ret = write ? sim_phys_write(m, n->runs[i].phys + off, at,
					     (size_t)take)
			    : sim_phys_read(m, n->runs[i].phys + off, at,
					    (size_t)take);
		if (ret)
			return ret;
		at += take;
		len -= take;
		off = 0;
	}
	return 0;
}

void sim_vma_unmap(struct sim_vma *vma)
{
	struct sim_vma_node *n = to_node(vma);
	struct sim_machine *m = vma->proc->m;

	mm_remove(&vma->proc->mm, n);
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	if (n->hosted)
		sim_host_release(vma->host, vma->len);
	sim_file_put(vma->file);
	sim_kfree(m, n->runs);
	sim_kfree(m, n);
}

struct sim_vma *sim_vma_find_uaddr(struct sim_proc *p, uint64_t uaddr)
{
	struct sim_vma_node *n = lookup_uaddr(p, uaddr);

	return n ? &n->vma : NULL;
}

struct sim_vma *sim_vma_find_host(struct sim_proc *p, const void *host)
{
	struct sim_vma_node *n = lookup_host(p, (uintptr_t)host);

	return n ? &n->vma : NULL;
}

unsigned int sim_vma_count(const struct sim_proc *p)
{
	return p->mm.count;
}

/* sim_vma_foreach - see sim.h.  @fn may unmap the mapping it is given. */
int sim_vma_foreach(struct sim_proc *p,
		    int (*fn)(struct sim_vma *vma, void *ctx), void *ctx)
{
	struct sim_vma_node *n, *next;
	int ret;

	RB_FOREACH_SAFE(n, sim_vma_uaddr_tree, &p->mm.by_uaddr, next) {
		ret = fn(&n->vma, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- fork and exit --------------------------------------------------- */

/* @src's copy in @child: its own host range onto the same pages, the same
 * user address, a file reference, and the driver told through open. */
static int vma_copy(struct sim_proc *child, const struct sim_vma_node *src)
{
	struct sim_machine *m = child->m;
	struct sim_vma_node *n;
	int ret = -ENOMEM;

	n = sim_kzalloc(m, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->vma = src->vma;
	n->vma.proc = child;
	ret = runs_dup(m, src->runs, src->nruns, &n->runs);
	if (ret)
		goto free_node;
	n->nruns = src->nruns;
	ret = -ENOMEM;
	n->hosted = src->hosted;
	n->vma.host = n->hosted ? sim_host_reserve(n->vma.len) : NULL;
	if (n->hosted && !n->vma.host)
		goto free_runs;
	if (n->hosted && n->vma.mapped) {
		ret = sim_phys_map_at(m, n->vma.host, n->runs, n->nruns, 0,
				      n->vma.mapped, host_prot(n->vma.prot));
		if (ret)
			goto release_host;
	}
	sim_file_get(n->vma.file);
	mm_insert(&child->mm, n);
	if (n->vma.vm_ops && n->vma.vm_ops->open)
		n->vma.vm_ops->open(&n->vma);
	return 0;

release_host:
	sim_host_release(n->vma.host, n->vma.len);
free_runs:
	sim_kfree(m, n->runs);
free_node:
	sim_kfree(m, n);
	return ret;
}

int sim_mm_copy(struct sim_proc *child, struct sim_proc *parent)
{
	struct sim_vma_node *n;
	int ret;

	RB_FOREACH(n, sim_vma_uaddr_tree, &parent->mm.by_uaddr) {
		ret = vma_copy(child, n);
		if (ret) {
			sim_mm_unmap_all(child);
			return ret;
		}
	}
	child->mm.next_uaddr = parent->mm.next_uaddr;
	return 0;
}

void sim_mm_unmap_all(struct sim_proc *p)
{
	struct sim_vma_node *n;

	while ((n = RB_MIN(sim_vma_uaddr_tree, &p->mm.by_uaddr)))
		sim_vma_unmap(&n->vma);
}
