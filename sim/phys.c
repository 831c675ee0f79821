/*
 * sim/phys.c - the machine's physical memory: one sparse memfd.
 *
 * Physical address P lives at memfd offset P - lo, where lo is the lowest
 * address of RAM or of any region.  The memfd is created only when a byte
 * is first written or mapped, and holes are punched when whole pages are
 * zeroed, so a machine costs the host only the pages a scenario has
 * touched: booting 64 GiB of RAM allocates nothing.  Until the memfd exists
 * every byte of memory reads as zero, which is what the memfd would say.
 *
 * The pages that may hold something other than zeros are tracked (a
 * write, or a writable mapping, marks them), so that zeroing a buffer's
 * memory costs nothing where nothing was written, and the memfd of a
 * machine that goes is kept, emptied, for the next machine of this host
 * thread (the explorer boots one per schedule).
 *
 * Reads and writes go through pread/pwrite.  Mappings (kernel vmap here,
 * user mmap in vma.c) are MAP_SHARED mappings of the memfd placed with
 * MAP_FIXED into a host range reserved beforehand, so two mappings of the
 * same physical page really share it.
 *
 * This file also keeps the machine's region table and works out which
 * parts of RAM are left to the buddy allocator once regions are carved
 * out, as memblock_remove leaves them on a real board.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/bitmap.h"
#include "sim/sim_internal.h"

/* The bits of an address below its page. */
#define IN_PAGE (SIM_PAGE_SIZE - 1)

static bool page_aligned(uint64_t x)
{
	return (x & IN_PAGE) == 0;
}

/* True when [@phys, @phys + @len) lies inside [@base, @base + @size). */
static bool range_inside(uint64_t phys, uint64_t len, uint64_t base,
			 uint64_t size)
{
	return phys >= base && len <= size && phys - base <= size - len;
}

/* --- boot: region table and carving ----------------------------------- */

static void copy_regions(struct sim_phys *ph, const struct sim_config *cfg)
{
	unsigned int i;

	ph->nregions = cfg->nregions;
	for (i = 0; i < cfg->nregions; i++) {
		const struct sim_region_config *rc = &cfg->regions[i];
		struct sim_region *r = &ph->regions[i];

		memcpy(r->name, rc->name, sizeof(r->name));
		r->kind = rc->kind;
		r->base = rc->base;
		r->size = rc->size;
	}
}

/* The span the memfd must cover: RAM and every region. */
static void compute_span(struct sim_phys *ph, const struct sim_config *cfg)
{
	unsigned int i;

	ph->lo = cfg->ram_base;
	ph->hi = cfg->ram_base + cfg->ram_size;
	for (i = 0; i < ph->nregions; i++) {
		const struct sim_region *r = &ph->regions[i];

		if (r->base < ph->lo)
			ph->lo = r->base;
		if (r->base + r->size > ph->hi)
			ph->hi = r->base + r->size;
	}
}

/* The parts of regions that fall inside RAM, sorted by address.  Layout
 * guarantees they do not overlap one another. */
static unsigned int carved_parts(const struct sim_phys *ph, uint64_t ram_lo,
				 uint64_t ram_hi, struct sim_run *out)
{
	unsigned int i, n = 0;

	for (i = 0; i < ph->nregions; i++) {
		const struct sim_region *r = &ph->regions[i];
		uint64_t lo = r->base > ram_lo ? r->base : ram_lo;
		uint64_t end = r->base + r->size;
		uint64_t hi = end < ram_hi ? end : ram_hi;
		unsigned int j;

		if (lo >= hi)
			continue;
		/* insertion sort: there are at most SIM_MAX_REGIONS */
		for (j = n; j > 0 && out[j - 1].phys > lo; j--)
			out[j] = out[j - 1];
		out[j].phys = lo;
		out[j].len = hi - lo;
		n++;
	}
	return n;
}

static void add_ram_range(struct sim_phys *ph, uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return;
	ph->ram[ph->nram].phys = lo;
	ph->ram[ph->nram].len = hi - lo;
	ph->nram++;
	ph->ram_pages += (hi - lo) >> SIM_PAGE_SHIFT;
}

/* RAM minus the carved parts: the gaps between them. */
static void compute_ram_ranges(struct sim_phys *ph,
			       const struct sim_config *cfg)
{
	struct sim_run carved[SIM_MAX_REGIONS];
	uint64_t ram_lo = cfg->ram_base, ram_hi = cfg->ram_base + cfg->ram_size;
	uint64_t cursor = ram_lo;
	unsigned int i, n;

	n = carved_parts(ph, ram_lo, ram_hi, carved);
	ph->nram = 0;
	ph->ram_pages = 0;
	for (i = 0; i < n; i++) {
		add_ram_range(ph, cursor, carved[i].phys);
		cursor = carved[i].phys + carved[i].len;
	}
	add_ram_range(ph, cursor, ram_hi);
}

/*
 * sim_phys_init - set up the physical map of @m from its laid-out config.
 * Touches no host memory beyond the machine struct and creates no memfd
 * (that waits for the first write or mapping).  Always returns 0.
 */
int sim_phys_init(struct sim_machine *m)
{
	struct sim_phys *ph = &m->phys;

	ph->memfd = -1;
	copy_regions(ph, &m->cfg);
	compute_span(ph, &m->cfg);
	compute_ram_ranges(ph, &m->cfg);
	return 0;
}

/* A memfd with nothing in it, kept from a machine that went for the next
 * one this host thread boots. */
static __thread struct {
	int fd;			/* valid when size != 0 */
	uint64_t size;
} spare;

/* In a child the host forks, the spare is the parent's file too: two
 * processes would boot machines on one physical memory.  The child
 * forgets it (its copy of the fd only). */
static void spare_forget(void)
{
	if (spare.size)
		close(spare.fd);
	spare.size = 0;
}

static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_atfork(void)
{
	pthread_atfork(NULL, NULL, spare_forget);
}

static uint64_t span_pages(const struct sim_phys *ph)
{
	return (ph->hi - ph->lo) >> SIM_PAGE_SHIFT;
}

/* Punch every dirty page of [@first, @end) (pages) out of the memfd and
 * clear their bits: 0, or -ENOMEM when the host fails. */
static int punch_dirty(struct sim_phys *ph, uint64_t first, uint64_t end)
{
	unsigned long at = (unsigned long)first, stop;

	for (;;) {
		at = sim_find_next_bit(ph->dirty, (unsigned long)end, at);
		if (at >= end)
			return 0;
		stop = sim_find_next_zero_bit(ph->dirty, (unsigned long)end,
					      at);
		if (fallocate(ph->memfd,
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)at << SIM_PAGE_SHIFT,
			      (off_t)(stop - at) << SIM_PAGE_SHIFT) < 0)
			return -ENOMEM;
		sim_bitmap_clear(ph->dirty, at, stop - at);
		at = stop;
	}
}

/* sim_phys_fini - give the memfd (if any) back to the host, or keep it,
 * emptied, as the spare. */
void sim_phys_fini(struct sim_machine *m)
{
	struct sim_phys *ph = &m->phys;

	if (ph->memfd >= 0) {
		if (spare.size == 0 && punch_dirty(ph, 0, span_pages(ph)) == 0) {
			pthread_once(&spare_once, spare_atfork);
			spare.fd = ph->memfd;
			spare.size = ph->hi - ph->lo;
		} else {
			close(ph->memfd);
		}
	}
	free(ph->dirty);
	ph->dirty = NULL;
	ph->memfd = -1;
}

/* A memfd of @size bytes with nothing in it: the spare, or a new one.
 * -1 when the host refuses. */
static int empty_memfd(uint64_t size)
{
	int fd = spare.size ? spare.fd : -1;
	bool sized = spare.size == size;

	spare.size = 0;
	if (fd < 0)
		fd = memfd_create("ionsim-phys", MFD_CLOEXEC);
	/* sparse: the size reserves nothing */
	if (fd >= 0 && !sized && ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Create the memfd on first need: 0, or -ENOMEM when the host refuses. */
static int phys_backing(struct sim_phys *ph)
{
	if (ph->memfd >= 0)
		return 0;
	ph->dirty = calloc(SIM_BITS_TO_LONGS(span_pages(ph)) + 1,
			   sizeof(unsigned long));
	if (!ph->dirty)
		return -ENOMEM;
	ph->memfd = empty_memfd(ph->hi - ph->lo);
	if (ph->memfd < 0) {
		free(ph->dirty);
		ph->dirty = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Bytes [@off, @off + @len) of the memfd may no longer be zero. */
static void mark_dirty(struct sim_phys *ph, uint64_t off, uint64_t len)
{
	uint64_t first = off >> SIM_PAGE_SHIFT;
	uint64_t end = (off + len + IN_PAGE) >> SIM_PAGE_SHIFT;

	if (len)
		sim_bitmap_set(ph->dirty, (unsigned long)first,
			       (unsigned long)(end - first));
}

/* --- regions and RAM --------------------------------------------------- */

unsigned int sim_region_count(const struct sim_machine *m)
{
	return m->phys.nregions;
}

const struct sim_region *sim_region_get(const struct sim_machine *m,
					unsigned int idx)
{
	if (idx >= m->phys.nregions)
		return NULL;
	return &m->phys.regions[idx];
}

int sim_region_find(const struct sim_machine *m, const char *name)
{
	unsigned int i;

	for (i = 0; i < m->phys.nregions; i++)
		if (strcmp(m->phys.regions[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

uint64_t sim_ram_pages(const struct sim_machine *m)
{
	return m->phys.ram_pages;
}

const struct sim_run *sim_phys_ram_ranges(const struct sim_machine *m,
					  unsigned int *n)
{
	*n = m->phys.nram;
	return m->phys.ram;
}

bool sim_phys_valid(const struct sim_machine *m, uint64_t phys, uint64_t len)
{
	const struct sim_config *cfg = &m->cfg;
	unsigned int i;

	if (range_inside(phys, len, cfg->ram_base, cfg->ram_size))
		return true;
	for (i = 0; i < m->phys.nregions; i++) {
		const struct sim_region *r = &m->phys.regions[i];

		if (range_inside(phys, len, r->base, r->size))
			return true;
	}
	return false;
}

/* --- byte access -------------------------------------------------------- */

/*
 * sim_phys_read - see sim.h.  Memory never written reads as zero without
 * creating the memfd.  Returns 0, -EFAULT for a range outside memory, or
 * -ENOMEM if the host fails a read of its own file.
 */
int sim_phys_read(struct sim_machine *m, uint64_t phys, void *buf, size_t len)
{
	struct sim_phys *ph = &m->phys;
	char *p = buf;
	off_t off;

	if (!sim_phys_valid(m, phys, len))
		return -EFAULT;
	if (ph->memfd < 0) {
		memset(buf, 0, len);
		return 0;
	}
	off = (off_t)(phys - ph->lo);
	while (len) {
		ssize_t got = pread(ph->memfd, p, len, off);

		if (got <= 0)
			return -ENOMEM;
		p += got;
		off += got;
		len -= (size_t)got;
	}
	return 0;
}

/*
 * sim_phys_write - see sim.h.  Returns 0, -EFAULT for a range outside
 * memory, or -ENOMEM when the host cannot back the pages.
 */
int sim_phys_write(struct sim_machine *m, uint64_t phys, const void *buf,
		   size_t len)
{
	struct sim_phys *ph = &m->phys;
	const char *p = buf;
	off_t off;
	int ret;

	if (!sim_phys_valid(m, phys, len))
		return -EFAULT;
	if (len == 0)
		return 0;
	ret = phys_backing(ph);
	if (ret)
		return ret;
	off = (off_t)(phys - ph->lo);
	mark_dirty(ph, (uint64_t)off, len);
	while (len) {
		ssize_t put = pwrite(ph->memfd, p, len, off);

		if (put <= 0)
			return -ENOMEM;
		p += put;
		off += put;
		len -= (size_t)put;
	}
	return 0;
}

/* Zero part of one page by writing zeros (a hole cannot be punched). */
static int zero_bytes(struct sim_phys *ph, uint64_t off, uint64_t len)
{
	static const char zeros[SIM_PAGE_SIZE];

	while (len) {
		size_t chunk = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		ssize_t put = pwrite(ph->memfd, zeros, chunk, (off_t)off);

		if (put <= 0)
			return -ENOMEM;
		off += (uint64_t)put;
		len -= (uint64_t)put;
	}
	return 0;
}

/* Zero @len bytes inside one page at @off, unless the page is clean; it
 * stays dirty (the rest of it may not be zero). */
static int zero_part(struct sim_phys *ph, uint64_t off, uint64_t len)
{
	if (!len || !sim_test_bit(ph->dirty, (unsigned long)(off >>
							     SIM_PAGE_SHIFT)))
		return 0;
	return zero_bytes(ph, off, len);
}

/*
 * sim_phys_zero - see sim.h.  Whole dirty pages are punched out of the
 * memfd (given back to the host); dirty partial pages at either end are
 * written with zeros; clean pages are zero already.  Returns 0, -EFAULT for a range outside memory, or -ENOMEM
 * when the host fails.
 */
int sim_phys_zero(struct sim_machine *m, uint64_t phys, uint64_t len)
{
	struct sim_phys *ph = &m->phys;
	uint64_t off, end, whole_lo, whole_hi;
	int ret;

	if (!sim_phys_valid(m, phys, len))
		return -EFAULT;
	if (ph->memfd < 0 || len == 0)
		return 0;	/* nothing was ever written: already zero */
	off = phys - ph->lo;
	end = off + len;
	whole_lo = (off + IN_PAGE) & ~IN_PAGE;
	whole_hi = end & ~IN_PAGE;
	if (whole_lo >= whole_hi)
		return zero_part(ph, off, len);
	ret = zero_part(ph, off, whole_lo - off);
	if (!ret)
		ret = zero_part(ph, whole_hi, end - whole_hi);
	if (!ret)
		ret = punch_dirty(ph, whole_lo >> SIM_PAGE_SHIFT,
				  whole_hi >> SIM_PAGE_SHIFT);
	return ret;
}

uint64_t sim_phys_resident(struct sim_machine *m)
{
	struct stat st;

	if (m->phys.memfd < 0 || fstat(m->phys.memfd, &st) < 0)
		return 0;
	return (uint64_t)st.st_blocks * 512;
}

/* --- mappings ------------------------------------------------------------ */

void *sim_host_reserve(uint64_t len)
{
	void *at;

	if (len == 0 || len > SIZE_MAX)
		return NULL;
	at = mmap(NULL, (size_t)len, PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return at == MAP_FAILED ? NULL : at;
}

void sim_host_release(void *at, uint64_t len)
{
	if (at && len)
		munmap(at, (size_t)len);
}

/* Put [@at, @at + @len) back to the reserved, inaccessible state, undoing
 * a partly done sim_phys_map_at(). */
static void host_rereserve(void *at, uint64_t len)
{
	if (len)
		mmap(at, (size_t)len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		     -1, 0);
}

/* Every run is page aligned valid memory and together they hold at
 * least @need bytes. */
static bool runs_cover(const struct sim_machine *m, const struct sim_run *runs,
		       unsigned int n, uint64_t need)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!page_aligned(runs[i].phys) || !page_aligned(runs[i].len) ||
		    !sim_phys_valid(m, runs[i].phys, runs[i].len))
			return false;
		total += runs[i].len;
		if (total >= need)
			return true;
	}
	return total >= need;
}

/* Map @len bytes of physical memory from @phys at @at. */
static int map_piece(struct sim_phys *ph, char *at, uint64_t phys,
		     uint64_t len, int host_prot)
{
	void *got = mmap(at, (size_t)len, host_prot, MAP_SHARED | MAP_FIXED,
			 ph->memfd, (off_t)(phys - ph->lo));

	if (got == MAP_FAILED)
		return -ENOMEM;
	/* whoever holds the mapping may write without telling us */
	if (host_prot & PROT_WRITE)
		mark_dirty(ph, phys - ph->lo, len);
	return 0;
}

/* The next physically contiguous piece of the runs, starting @skip bytes
 * into run *@i and at most @max bytes long; advances *@i and *@skip. */
static uint64_t next_piece(const struct sim_run *runs, unsigned int n,
			   unsigned int *i, uint64_t *skip, uint64_t max,
			   uint64_t *phys)
{
	uint64_t len = 0;

	while (*skip == runs[*i].len) {	/* empty runs hold nothing */
		(*i)++;
		*skip = 0;
	}
	*phys = runs[*i].phys + *skip;
	while (*i < n && len < max && runs[*i].phys + *skip == *phys + len) {
		uint64_t take = runs[*i].len - *skip;

		if (take > max - len)
			take = max - len;
		len += take;
		*skip += take;
		if (*skip == runs[*i].len) {
			(*i)++;
			*skip = 0;
		}
	}
	return len;
}

int sim_phys_map_at(struct sim_machine *m, void *at,
		    const struct sim_run *runs, unsigned int n, uint64_t skip,
		    uint64_t len, int host_prot)
{
	struct sim_phys *ph = &m->phys;
	uint64_t done = 0, phys;
	unsigned int i = 0;
	int ret;

	if (!page_aligned(skip) || !page_aligned(len) || skip + len < skip ||
	    !runs_cover(m, runs, n, skip + len))
		return -EINVAL;
	if (len == 0)
		return 0;
	ret = phys_backing(ph);
	if (ret)
		return ret;
	while (skip >= runs[i].len)	/* runs_cover: i stays below n */
		skip -= runs[i++].len;
	while (done < len) {
		uint64_t piece = next_piece(runs, n, &i, &skip, len - done,
					    &phys);

		ret = map_piece(ph, (char *)at + done, phys, piece, host_prot);
		if (ret)
			goto unmap_done;
		done += piece;
	}
	return 0;

unmap_done:
	host_rereserve(at, done);
	return ret;
}

/*
 * sim_kmap_runs - see sim.h.  On failure *@err is -EINVAL for no runs or
 * runs that are not page-aligned valid memory, -ENOMEM when the host
 * refuses the address space or the mapping.
 */
void *sim_kmap_runs(struct sim_machine *m, const struct sim_run *runs,
		    unsigned int n, int *err)
{
	uint64_t total = 0;
	unsigned int i;
	void *at;
	int ret = -EINVAL;

	for (i = 0; i < n; i++) {
		if (total + runs[i].len < total)
			goto fail;
		total += runs[i].len;
	}
	if (total == 0)
		goto fail;
	ret = -ENOMEM;
	at = sim_host_reserve(total);
	if (!at)
		goto fail;
	ret = sim_phys_map_at(m, at, runs, n, 0, total,
			      PROT_READ | PROT_WRITE);
	if (ret)
		goto release_range;
	if (err)
		*err = 0;
	return at;

release_range:
	sim_host_release(at, total);
fail:
	if (err)
		*err = ret;
	return NULL;
}

void sim_kunmap(struct sim_machine *m, void *addr, uint64_t len)
{
	(void)m;
	sim_host_release(addr, len);
}
