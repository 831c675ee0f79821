/* sim/buddy.h - buddy allocator state (placeholder). */
#ifndef IONSIM_SIM_BUDDY_H
#define IONSIM_SIM_BUDDY_H
#include <stdint.h>
struct sim_buddy {
	uint64_t free_pages;
};
#endif
