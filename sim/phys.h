/*
 * sim/phys.h - physical memory internals shared inside sim/.
 *
 * The struct is owned by phys.c (its fields may change freely); the
 * functions below are the cross-file API that the mapping code (vma.c)
 * uses to put memfd pages into host address ranges, and that the buddy
 * allocator uses to learn which parts of RAM it manages.
 */
#ifndef IONSIM_SIM_PHYS_H
#define IONSIM_SIM_PHYS_H

#include <stdint.h>

#include "ionsim/sim.h"

/* RAM minus the regions carved out of it is at most this many ranges. */
#define SIM_RAM_RANGES_MAX (SIM_MAX_REGIONS + 1)

struct sim_phys {
	int memfd;		/* -1 until the first byte is written or mapped */
	/* one bit per page of the memfd: it may hold bytes that are not
	 * zero (written, or mapped writable); NULL while there is no memfd */
	unsigned long *dirty;
	uint64_t lo;		/* lowest physical address backed (memfd offset 0) */
	uint64_t hi;		/* end of the backed span */
	uint64_t ram_pages;	/* RAM pages the buddy manages */
	unsigned int nram;	/* entries of ram[] in use */
	/* RAM left after carving: ascending, disjoint, non-empty runs */
	struct sim_run ram[SIM_RAM_RANGES_MAX];
	unsigned int nregions;
	struct sim_region regions[SIM_MAX_REGIONS];
};

/*
 * sim_host_reserve - reserve @len bytes of host address space (no access),
 * for a mapping to be filled by sim_phys_map_at().  NULL on failure.
 * sim_host_release gives the range (and anything mapped in it) back.
 */
void *sim_host_reserve(uint64_t len);
void sim_host_release(void *at, uint64_t len);

/*
 * sim_phys_map_at - map @len bytes, taken from the concatenation of @runs
 * after skipping its first @skip bytes, at host address @at (inside a
 * reserved range) as shared memfd mappings with @host_prot (PROT_READ /
 * PROT_WRITE of <sys/mman.h>).  Every run and @skip, @len are page
 * aligned.  Returns 0, -EINVAL when the runs are shorter than skip + len
 * or lie outside valid memory, -ENOMEM when the host refuses.
 */
int sim_phys_map_at(struct sim_machine *m, void *at,
		    const struct sim_run *runs, unsigned int n, uint64_t skip,
		    uint64_t len, int host_prot);

/*
 * sim_phys_ram_ranges - the RAM the buddy manages: RAM minus every region
 * that lies (wholly or partly) inside it, as ascending disjoint page-aligned
 * runs.  Sets *@n to their number (0 when regions cover all of RAM).  The
 * array lives as long as the machine.
 */
const struct sim_run *sim_phys_ram_ranges(const struct sim_machine *m,
					  unsigned int *n);

#endif /* IONSIM_SIM_PHYS_H */
