/*
 * sim/buddy.c - the buddy page allocator over RAM, and its /proc and
 * debugfs views.
 *
 * The placement decisions are those of Linux's mm/page_alloc.c for one
 * zone and one migrate type, without per-cpu page lists:
 * - an allocation takes the head block of the smallest order that has one
 *   and splits it as expand() does: the lower half is kept, each upper
 *   half goes to the head of the next lower order's list;
 * - a free merges with the buddy (offset ^ 2^order) for as long as the
 *   buddy is a free block of the same order, then puts the result at the
 *   head of its list;
 * - boot frees RAM the way memblock hands it over: each range in address
 *   order, cut into the largest naturally aligned blocks (up to order 10),
 *   each freed as above.
 * Buddies are computed on absolute pfns, so RAM need not start on a
 * 4 MiB boundary; pages outside RAM (alignment slack and carved regions)
 * are never free, so no block ever merges into them.
 *
 * The fragmentation views compute the indices of Linux's mm/vmstat.c
 * (fill_contig_page_info, unusable_free_index, __fragmentation_index) and
 * print them in its formats; the formulas are restated here in our words.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/bitmap.h"
#include "sim/sim_internal.h"

#define TOP_ORDER (SIM_MAX_ORDER - 1)
#define TOP_PAGES (1ULL << TOP_ORDER)
/* Each order's arrays start on a cache line of their own. */
#define META_ALIGN 64

static inline void bit_set(unsigned long *map, uint64_t i)
{
	map[i / SIM_BITS_PER_LONG] |= 1UL << (i % SIM_BITS_PER_LONG);
}

static inline void bit_clear(unsigned long *map, uint64_t i)
{
	map[i / SIM_BITS_PER_LONG] &= ~(1UL << (i % SIM_BITS_PER_LONG));
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* --- free lists ---------------------------------------------------------- */

/* Put free block @idx of order @k at the head of its list. */
static inline void list_push(struct sim_buddy *b, unsigned int k, uint32_t idx)
{
	struct sim_buddy_area *a = &b->area[k];

	a->link[idx].next = a->head;
	a->link[idx].prev = SIM_BUDDY_NIL;
	if (a->head != SIM_BUDDY_NIL)
		a->link[a->head].prev = idx;
	a->head = idx;
	a->nr_free++;
	bit_set(a->free_map, idx);
	b->nonempty |= 1U << k;
}

/* Take free block @idx of order @k off its list. */
static inline void list_del(struct sim_buddy *b, unsigned int k, uint32_t idx)
{
	struct sim_buddy_area *a = &b->area[k];
	struct sim_buddy_link *l = &a->link[idx];

	if (l->prev != SIM_BUDDY_NIL)
		a->link[l->prev].next = l->next;
	else
		a->head = l->next;
	if (l->next != SIM_BUDDY_NIL)
		a->link[l->next].prev = l->prev;
	a->nr_free--;
	bit_clear(a->free_map, idx);
	if (a->head == SIM_BUDDY_NIL)
		b->nonempty &= ~(1U << k);
}

/* Split the order-@high block at @off down to order @low, giving each
 * upper half to the free lists (Linux's expand()). */
static inline void expand(struct sim_buddy *b, uint64_t off, unsigned int low,
			  unsigned int high)
{
	while (high > low) {
		high--;
		list_push(b, high, (uint32_t)((off >> high) + 1));
	}
}

/* Free the order-@order block at @off, merging it with free buddies
 * (Linux's __free_one_page()).  The caller accounts free_pages. */
static inline void merge_and_push(struct sim_buddy *b, uint64_t off,
				  unsigned int order)
{
	while (order < TOP_ORDER) {
		uint64_t buddy = off ^ (1ULL << order);

		if (!sim_test_bit(b->area[order].free_map, buddy >> order))
			break;
		list_del(b, order, (uint32_t)(buddy >> order));
		off &= ~(1ULL << order);
		order++;
	}
	list_push(b, order, (uint32_t)(off >> order));
}

/* --- boot and teardown ---------------------------------------------------- */

/* Lay the areas' arrays out from @base (NULL: only measure); returns the
 * bytes they take. */
static size_t layout_meta(struct sim_buddy *b, char *base)
{
	size_t at = 0;
	unsigned int k;

	for (k = 0; k < SIM_MAX_ORDER; k++) {
		uint64_t nblocks = b->span >> k;
		size_t map_bytes = SIM_BITS_TO_LONGS(nblocks) *
				   sizeof(unsigned long);
		struct sim_buddy_area *a = &b->area[k];

		if (base) {
			a->link = (struct sim_buddy_link *)(base + at);
			a->free_map = (unsigned long *)(base + at +
					nblocks * sizeof(*a->link));
			a->used_map = (unsigned long *)((char *)a->free_map +
							map_bytes);
		}
		at += align_up(nblocks * sizeof(*a->link) + 2 * map_bytes,
			       META_ALIGN);
	}
	return at;
}

/*
 * One metadata mapping kept from a machine's teardown for the next boot of
 * the same size: the explorer boots a machine for every schedule, and a
 * fresh mapping costs an mmap, a munmap (a TLB shootdown) and a page fault
 * for every page the run touches.  Only the bitmaps need clearing for
 * reuse: a link is read only for a block that its free map marks free,
 * which list_push wrote.  Per host thread, so that two machines on two
 * threads never share one.
 */
#define SPARE_MAX (64u << 20)	/* bigger mappings go back to the host */
static __thread struct {
	void *meta;
	size_t len;
} spare;

/* Zero every order's two bitmaps (laid out after its links). */
static void clear_maps(struct sim_buddy *b)
{
	unsigned int k;

	for (k = 0; k < SIM_MAX_ORDER; k++)
		memset(b->area[k].free_map, 0,
		       2 * SIM_BITS_TO_LONGS(b->span >> k) *
		       sizeof(unsigned long));
}

/* Map the per-order arrays: anonymous memory reads as zero and costs
 * nothing until touched, which keeps boot cheap at any RAM size. */
static int map_meta(struct sim_buddy *b)
{
	void *meta;

	b->meta_len = layout_meta(b, NULL);
	if (spare.meta && spare.len == b->meta_len) {
		b->meta = spare.meta;
		spare.meta = NULL;
		layout_meta(b, b->meta);
		clear_maps(b);
		return 0;
	}
	meta = mmap(NULL, b->meta_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (meta == MAP_FAILED)
		return -ENOMEM;
	b->meta = meta;
	layout_meta(b, meta);
	return 0;
}

/* Hand pfns [@start, @end) to the free lists as memblock does: the
 * largest naturally aligned blocks, in address order. */
static void free_boot_range(struct sim_buddy *b, uint64_t start, uint64_t end)
{
	while (start < end) {
		unsigned int order = TOP_ORDER;

		if (start && (unsigned int)__builtin_ctzll(start) < order)
			order = (unsigned int)__builtin_ctzll(start);
		while (start + (1ULL << order) > end)
			order--;
		merge_and_push(b, start - b->base_pfn, order);
		b->free_pages += 1ULL << order;
		start += 1ULL << order;
	}
}

/*
 * sim_buddy_init - build the free lists over RAM minus the carved regions
 * (sim_phys_init must have run).  Returns 0, or -ENOMEM when the host
 * refuses the metadata or RAM spans 2^32 pages or more (block indices are
 * 32-bit); nothing is left behind on failure.
 */
int sim_buddy_init(struct sim_machine *m)
{
	struct sim_buddy *b = &m->buddy;
	const struct sim_config *cfg = &m->cfg;
	uint64_t lo = cfg->ram_base >> SIM_PAGE_SHIFT;
	uint64_t hi = (cfg->ram_base + cfg->ram_size) >> SIM_PAGE_SHIFT;
	const struct sim_run *ram;
	unsigned int i, n;
	int ret;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < SIM_MAX_ORDER; i++)
		b->area[i].head = SIM_BUDDY_NIL;
	b->base_pfn = lo & ~(TOP_PAGES - 1);
	b->span = align_up(hi, TOP_PAGES) - b->base_pfn;
	if (b->span >= SIM_BUDDY_NIL)
		return -ENOMEM;
	ret = map_meta(b);
	if (ret)
		return ret;
	ram = sim_phys_ram_ranges(m, &n);
	for (i = 0; i < n; i++)
		free_boot_range(b, sim_phys_to_pfn(ram[i].phys),
				sim_phys_to_pfn(ram[i].phys + ram[i].len));
	return 0;
}

/* sim_buddy_fini - give the metadata back (or keep it as the spare);
 * allocated pages need no care. */
void sim_buddy_fini(struct sim_machine *m)
{
	struct sim_buddy *b = &m->buddy;

	if (b->meta && b->meta_len <= SPARE_MAX && !spare.meta) {
		spare.meta = b->meta;
		spare.len = b->meta_len;
	} else if (b->meta) {
		munmap(b->meta, b->meta_len);
	}
	b->meta = NULL;
}

/* sim_buddy_foreach_free - see sim.h. */
int sim_buddy_foreach_free(const struct sim_machine *m,
			   int (*fn)(void *ctx, unsigned int order,
				     uint64_t pfn),
			   void *ctx)
{
	const struct sim_buddy *b = &m->buddy;
	unsigned int k;
	uint32_t idx;
	int ret;

	for (k = 0; k < SIM_MAX_ORDER; k++)
		for (idx = b->area[k].head; idx != SIM_BUDDY_NIL;
		     idx = b->area[k].link[idx].next) {
			ret = fn(ctx, k, b->base_pfn + ((uint64_t)idx << k));
			if (ret)
				return ret;
		}
	return 0;
}

/* --- allocation and free -------------------------------------------------- */

int sim_pages_alloc(struct sim_machine *m, unsigned int order, uint64_t *pfn)
{
	struct sim_buddy *b = &m->buddy;
	unsigned int avail, k;
	uint64_t off;

	if (order >= SIM_MAX_ORDER)
		return -EINVAL;
	avail = b->nonempty >> order;
	if (!avail)
		return -ENOMEM;
	if (sim_should_fail(m, SIM_FAULT_PAGES))
		return -ENOMEM;
	k = order + (unsigned int)__builtin_ctz(avail);
	off = (uint64_t)b->area[k].head << k;
	list_del(b, k, b->area[k].head);
	expand(b, off, order, k);
	bit_set(b->area[order].used_map, off >> order);
	b->free_pages -= 1ULL << order;
	*pfn = b->base_pfn + off;
	return 0;
}

/* True when an order-@order block allocated at that order starts at @pfn. */
static bool block_allocated(const struct sim_buddy *b, uint64_t pfn,
			    unsigned int order)
{
	uint64_t off;

	if (order >= SIM_MAX_ORDER || pfn < b->base_pfn)
		return false;
	off = pfn - b->base_pfn;
	if (off >= b->span || (off & ((1ULL << order) - 1)))
		return false;
	return sim_test_bit(b->area[order].used_map, off >> order);
}

/* A caller bug: say so once per machine (the first is the one worth
 * reading), count every one, change nothing. */
static void bad_call(struct sim_machine *m, const char *what, uint64_t pfn,
		     unsigned int order)
{
	if (m->buddy.bad_calls++ == 0)
		fprintf(stderr,
			"ionsim: bad %s of pfn 0x%llx order %u: not an "
			"allocated block; ignored (further bad calls on this "
			"machine are not reported)\n",
			what, (unsigned long long)pfn, order);
}

void sim_pages_free(struct sim_machine *m, uint64_t pfn, unsigned int order)
{
	struct sim_buddy *b = &m->buddy;
	uint64_t off;

	if (!block_allocated(b, pfn, order)) {
		bad_call(m, "sim_pages_free", pfn, order);
		return;
	}
	off = pfn - b->base_pfn;
	bit_clear(b->area[order].used_map, off >> order);
	b->free_pages += 1ULL << order;
	merge_and_push(b, off, order);
}

void sim_pages_split(struct sim_machine *m, uint64_t pfn, unsigned int order)
{
	struct sim_buddy *b = &m->buddy;
	uint64_t off;

	if (!block_allocated(b, pfn, order)) {
		bad_call(m, "sim_pages_split", pfn, order);
		return;
	}
	off = pfn - b->base_pfn;
	bit_clear(b->area[order].used_map, off >> order);
	sim_bitmap_set(b->area[0].used_map, (unsigned long)off,
		       1UL << order);
}

unsigned long sim_buddy_bad_calls(const struct sim_machine *m)
{
	return m->buddy.bad_calls;
}

/* --- counters ------------------------------------------------------------- */

void sim_buddy_counts(const struct sim_machine *m,
		      unsigned long counts[SIM_MAX_ORDER])
{
	unsigned int k;

	for (k = 0; k < SIM_MAX_ORDER; k++)
		counts[k] = m->buddy.area[k].nr_free;
}

uint64_t sim_buddy_free_pages(const struct sim_machine *m)
{
	return m->buddy.free_pages;
}

int sim_buddy_largest_order(const struct sim_machine *m)
{
	unsigned int ne = m->buddy.nonempty;

	return ne ? 31 - __builtin_clz(ne) : -1;
}

/* --- fragmentation indices (Linux 4.9 mm/vmstat.c) ------------------------ */

/* What the indices are computed from, as fill_contig_page_info gathers it. */
struct contig_info {
	uint64_t free_pages;	/* pages on all free lists */
	uint64_t blocks;	/* free blocks of every order */
	uint64_t suitable;	/* blocks of the requested size that fit in them */
};

static void fill_contig_info(const struct sim_buddy *b, unsigned int want,
			     struct contig_info *ci)
{
	unsigned int k;

	memset(ci, 0, sizeof(*ci));
	for (k = 0; k < SIM_MAX_ORDER; k++) {
		uint64_t nr = b->area[k].nr_free;

		ci->blocks += nr;
		ci->free_pages += nr << k;
		if (k >= want)
			ci->suitable += nr << (k - want);
	}
}

/* The kernel's unusable free space index: the thousandths of free memory
 * that no free block of 2^@order pages or more holds.  With nothing free
 * the kernel calls all of it unusable (1000). */
static int kernel_unusable(unsigned int order, const struct contig_info *ci)
{
	if (ci->free_pages == 0)
		return 1000;
	if (order >= SIM_MAX_ORDER)
		return 1000;
	return (int)((ci->free_pages - (ci->suitable << order)) * 1000 /
		     ci->free_pages);
}

/* The kernel's fragmentation index: -1000 when a request of @order would
 * succeed; otherwise 1000 - (1000 + 1000 * free / requested) / blocks,
 * in integer thousandths.  Near 0 the request fails for want of memory,
 * near 1000 because the free memory is in many small blocks.  The formula
 * goes below 0 (to -500) when only a few blocks are free; the kernel
 * prints that as it comes, and so do we. */
static int kernel_fragmentation(unsigned int order,
				const struct contig_info *ci)
{
	uint64_t requested = 1ULL << order;

	if (ci->blocks == 0)
		return 0;
	if (ci->suitable)
		return -1000;
	/* no suitable block: every block is < requested pages, so the
	 * quotient is at most 1500 and fits an int */
	return 1000 - (int)((1000 + ci->free_pages * 1000 / requested) /
			    ci->blocks);
}

/*
 * sim_unusable_index - see sim.h.  Unlike the kernel's debugfs file, it
 * gives 0 (not 1000) when nothing is free, so that a heap's "frag" reads 0
 * for an empty pool; orders >= SIM_MAX_ORDER give 1000 while anything is
 * free.
 */
int sim_unusable_index(const struct sim_machine *m, unsigned int order)
{
	struct contig_info ci;

	fill_contig_info(&m->buddy, order, &ci);
	if (ci.free_pages == 0)
		return 0;
	return kernel_unusable(order, &ci);
}

/* sim_fragmentation_index - see sim.h; 0 for orders >= SIM_MAX_ORDER, as
 * later kernels answer such a request. */
int sim_fragmentation_index(const struct sim_machine *m, unsigned int order)
{
	struct contig_info ci;

	if (order >= SIM_MAX_ORDER)
		return 0;
	fill_contig_info(&m->buddy, order, &ci);
	return kernel_fragmentation(order, &ci);
}

/* --- the text views --------------------------------------------------------- */

/* The kernel walks populated zones only: a machine whose RAM is all carved
 * out prints no line at all. */
static bool zone_populated(const struct sim_machine *m)
{
	return sim_ram_pages(m) != 0;
}

static void zone_prefix(FILE *out)
{
	fprintf(out, "Node %d, zone %8s ", 0, "Normal");
}

void sim_buddyinfo_show(const struct sim_machine *m, FILE *out)
{
	unsigned int k;

	if (!zone_populated(m))
		return;
	zone_prefix(out);
	for (k = 0; k < SIM_MAX_ORDER; k++)
		fprintf(out, "%6lu ", m->buddy.area[k].nr_free);
	fputc('\n', out);
}

/* One debugfs line: each order's index as "%d.%03d ", the kernel's way of
 * printing thousandths (so -500 comes out as "0.-500"). */
static void index_line(const struct sim_machine *m, FILE *out,
		       int (*index)(unsigned int order,
				    const struct contig_info *ci))
{
	struct contig_info ci;
	unsigned int k;

	if (!zone_populated(m))
		return;
	zone_prefix(out);
	for (k = 0; k < SIM_MAX_ORDER; k++) {
		int v;

		fill_contig_info(&m->buddy, k, &ci);
		v = index(k, &ci);
		fprintf(out, "%d.%03d ", v / 1000, v % 1000);
	}
	fputc('\n', out);
}

void sim_unusable_index_show(const struct sim_machine *m, FILE *out)
{
	index_line(m, out, kernel_unusable);
}

void sim_extfrag_index_show(const struct sim_machine *m, FILE *out)
{
	index_line(m, out, kernel_fragmentation);
}

/* --- the validator ----------------------------------------------------------- */

/* Describe a broken invariant in the caller's @why (@len bytes) and fail;
 * every checker below has those two parameters. */
#define FAIL(...)                                               \
	do {                                                    \
		if (len)                                        \
			snprintf(why, len, __VA_ARGS__);        \
		return -EUCLEAN;                                \
	} while (0)

/* One order's list: links, bits, count; adds its pages to *@pages. */
static int check_list(const struct sim_buddy *b, unsigned int k,
		      uint64_t *pages, char *why, size_t len)
{
	const struct sim_buddy_area *a = &b->area[k];
	uint64_t nblocks = b->span >> k, seen = 0;
	uint32_t prev = SIM_BUDDY_NIL, idx;

	for (idx = a->head; idx != SIM_BUDDY_NIL; idx = a->link[idx].next) {
		if (idx >= nblocks || seen > a->nr_free)
			FAIL("order %u: list runs off (block %u)", k, idx);
		if (a->link[idx].prev != prev)
			FAIL("order %u: block %u has a bad prev link", k, idx);
		if (!sim_test_bit(a->free_map, idx))
			FAIL("order %u: listed block %u not marked free", k,
			     idx);
		if (k < TOP_ORDER && sim_test_bit(a->free_map, idx ^ 1))
			FAIL("order %u: blocks %u and %u are free buddies", k,
			     idx, idx ^ 1);
		prev = idx;
		seen++;
	}
	if (seen != a->nr_free ||
	    sim_bitmap_weight(a->free_map, (unsigned long)nblocks) != seen)
		FAIL("order %u: nr_free %lu, listed %llu", k, a->nr_free,
		     (unsigned long long)seen);
	if (((b->nonempty >> k) & 1) != (seen != 0))
		FAIL("order %u: nonempty bit wrong", k);
	*pages += seen << k;
	return 0;
}

/* Mark the pages of every block set in @map (order @k) in @cover; fails
 * when a page is marked twice. */
static int cover_blocks(const struct sim_buddy *b, const unsigned long *map,
			unsigned int k, unsigned long *cover, char *why,
			size_t len)
{
	unsigned long nblocks = (unsigned long)(b->span >> k);
	unsigned long idx = sim_find_next_bit(map, nblocks, 0);

	while (idx < nblocks) {
		unsigned long first = idx << k, n = 1UL << k;

		if (sim_find_next_bit(cover, first + n, first) < first + n)
			FAIL("pfn 0x%llx: order %u block overlaps another",
			     (unsigned long long)(b->base_pfn + first), k);
		sim_bitmap_set(cover, first, n);
		idx = sim_find_next_bit(map, nblocks, idx + 1);
	}
	return 0;
}

/* Every RAM page is covered, and nothing else is. */
static int check_cover(const struct sim_machine *m, const unsigned long *cover,
		       char *why, size_t len)
{
	const struct sim_buddy *b = &m->buddy;
	const struct sim_run *ram;
	unsigned int i, n;

	ram = sim_phys_ram_ranges(m, &n);
	for (i = 0; i < n; i++) {
		unsigned long lo = (unsigned long)(sim_phys_to_pfn(ram[i].phys) -
						   b->base_pfn);
		unsigned long hi = lo + (unsigned long)(ram[i].len >>
							SIM_PAGE_SHIFT);
		unsigned long hole = sim_find_next_zero_bit(cover, hi, lo);

		if (hole < hi)
			FAIL("pfn 0x%llx: RAM page neither free nor allocated",
			     (unsigned long long)(b->base_pfn + hole));
	}
	if (sim_bitmap_weight(cover, (unsigned long)b->span) != sim_ram_pages(m))
		FAIL("blocks cover pages outside RAM");
	return 0;
}

static int check_blocks(const struct sim_machine *m, char *why, size_t len)
{
	const struct sim_buddy *b = &m->buddy;
	unsigned long *cover;
	unsigned int k;
	int ret = 0;

	cover = calloc(SIM_BITS_TO_LONGS(b->span), sizeof(unsigned long));
	if (!cover)
		FAIL("out of host memory");
	for (k = 0; k < SIM_MAX_ORDER && !ret; k++) {
		ret = cover_blocks(b, b->area[k].free_map, k, cover, why, len);
		if (!ret)
			ret = cover_blocks(b, b->area[k].used_map, k, cover,
					   why, len);
	}
	if (!ret)
		ret = check_cover(m, cover, why, len);
	free(cover);
	return ret;
}

int sim_buddy_validate(const struct sim_machine *m, char *why, size_t len)
{
	const struct sim_buddy *b = &m->buddy;
	uint64_t pages = 0;
	unsigned int k;
	int ret;

	if (len)
		why[0] = '\0';
	for (k = 0; k < SIM_MAX_ORDER; k++) {
		ret = check_list(b, k, &pages, why, len);
		if (ret)
			return ret;
	}
	if (pages != b->free_pages)
		FAIL("free_pages %llu, lists hold %llu",
		     (unsigned long long)b->free_pages,
		     (unsigned long long)pages);
	return check_blocks(m, why, len);
}
