/*
 * sim/machine.c - the machine's configuration, physical map, boot and
 * teardown.
 *
 * A machine is booted from a struct sim_config: RAM (base and size), the
 * reserved and CMA regions, the fd limit and the RNG seed.  The physical
 * map follows SCENARIO.md: a region with a base must not overlap another;
 * where it lies in RAM it is taken out of RAM (as memblock_remove does);
 * a region without a base goes after RAM, 1 MiB aligned, in table order.
 * Boot brings the concerns up in order (phys, buddy, CMA, processes) and
 * unwinds them in reverse on failure; shutdown does the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

/* Physical addresses stay below 2^48, as on arm64 and x86-64. */
#define PHYS_LIMIT (1ULL << 48)

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

void sim_config_default(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_size = SIM_DEFAULT_RAM;
	cfg->ram_base = 0;
	cfg->nofile = SIM_DEFAULT_NOFILE;
	cfg->seed = 1;
}

static bool page_aligned(uint64_t x)
{
	return (x & (SIM_PAGE_SIZE - 1)) == 0;
}

int sim_config_add_region(struct sim_config *cfg, const char *name,
			  enum sim_region_kind kind, bool has_base,
			  uint64_t base, uint64_t size)
{
	struct sim_region_config *r;
	unsigned int i;

	if (!name || !*name || strlen(name) >= SIM_REGION_NAME_MAX)
		return -EINVAL;
	if (size == 0 || !page_aligned(size) || size >= PHYS_LIMIT)
		return -EINVAL;
	if (has_base && (!page_aligned(base) || base >= PHYS_LIMIT ||
			 size > PHYS_LIMIT - base))
		return -EINVAL;
	if (kind != SIM_REGION_RESERVED && kind != SIM_REGION_CMA)
		return -EINVAL;
	for (i = 0; i < cfg->nregions; i++)
		if (strcmp(cfg->regions[i].name, name) == 0)
			return -EEXIST;
	if (cfg->nregions == SIM_MAX_REGIONS)
		return -ENOSPC;
	r = &cfg->regions[cfg->nregions];
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	r->kind = kind;
	r->has_base = has_base;
	r->base = has_base ? base : 0;
	r->size = size;
	return (int)cfg->nregions++;
}

/* The first region among [0, @upto) and the based ones that overlaps
 * [@base, @base + @size), or -1. */
static int find_overlap(const struct sim_config *cfg, unsigned int self,
			uint64_t base, uint64_t size, bool placed_only_upto)
{
	unsigned int i;

	for (i = 0; i < cfg->nregions; i++) {
		const struct sim_region_config *o = &cfg->regions[i];

		if (i == self)
			continue;
		if (!o->has_base && (!placed_only_upto || i > self))
			continue;
		if (ranges_overlap(base, size, o->base, o->size))
			return (int)i;
	}
	return -1;
}

/* Place region @i (no base) at the first 1 MiB aligned address at or
 * after @cursor that no based or earlier region takes. */
static int place_region(struct sim_config *cfg, unsigned int i,
			uint64_t cursor)
{
	struct sim_region_config *r = &cfg->regions[i];
	uint64_t at = align_up(cursor, SIM_REGION_ALIGN);
	int o;

	while (at < PHYS_LIMIT && r->size <= PHYS_LIMIT - at &&
	       (o = find_overlap(cfg, i, at, r->size, true)) >= 0) {
		const struct sim_region_config *busy = &cfg->regions[o];

		at = align_up(busy->base + busy->size, SIM_REGION_ALIGN);
	}
	if (at >= PHYS_LIMIT || r->size > PHYS_LIMIT - at)
		return -EINVAL;
	r->base = at;
	return 0;
}

int sim_config_layout(struct sim_config *cfg, int *bad)
{
	uint64_t cursor;
	unsigned int i;
	int dummy;

	if (!bad)
		bad = &dummy;
	*bad = -1;
	if (cfg->ram_size == 0 || !page_aligned(cfg->ram_size) ||
	    !page_aligned(cfg->ram_base) || cfg->ram_base >= PHYS_LIMIT ||
	    cfg->ram_size > PHYS_LIMIT - cfg->ram_base || cfg->nofile < 3)
		return -EINVAL;
	for (i = 0; i < cfg->nregions; i++) {
		const struct sim_region_config *r = &cfg->regions[i];

		if (r->has_base && find_overlap(cfg, i, r->base, r->size,
						false) >= 0) {
			*bad = (int)i;
			return -EINVAL;
		}
	}
	cursor = cfg->ram_base + cfg->ram_size;
	for (i = 0; i < cfg->nregions; i++) {
		struct sim_region_config *r = &cfg->regions[i];

		if (r->has_base)
			continue;
		if (place_region(cfg, i, cursor) < 0) {
			*bad = (int)i;
			return -EINVAL;
		}
		cursor = r->base + r->size;
	}
	for (i = 0; i < cfg->nregions; i++)
		cfg->regions[i].has_base = true;
	return 0;
}

const struct sim_config *sim_machine_config(const struct sim_machine *m)
{
	return &m->cfg;
}

struct sim_machine *sim_boot(const struct sim_config *cfg, int *err)
{
	struct sim_machine *m;
	int ret = -ENOMEM;

	m = calloc(1, sizeof(*m));
	if (!m)
		goto out;
	if (cfg)
		m->cfg = *cfg;
	else
		sim_config_default(&m->cfg);
	ret = sim_config_layout(&m->cfg, NULL);
	if (ret)
		goto free_machine;
	sim_rng_seed(&m->rng, m->cfg.seed);
	ret = sim_phys_init(m);
	if (ret)
		goto free_machine;
	ret = sim_buddy_init(m);
	if (ret)
		goto fini_phys;
	ret = sim_cma_init(m);
	if (ret)
		goto fini_buddy;
	ret = sim_procs_init(m);
	if (ret)
		goto fini_cma;
	if (err)
		*err = 0;
	return m;

fini_cma:
	sim_cma_fini(m);
fini_buddy:
	sim_buddy_fini(m);
fini_phys:
	sim_phys_fini(m);
free_machine:
	free(m);
out:
	if (err)
		*err = ret;
	return NULL;
}

unsigned long sim_shutdown(struct sim_machine *m)
{
	unsigned long leaked;

	if (!m)
		return 0;
	sim_procs_fini(m);
	sim_cma_fini(m);
	sim_buddy_fini(m);
	sim_phys_fini(m);
	leaked = m->kobj_live;
	free(m);
	return leaked;
}
