/* sim/phys.h - physical memory state (placeholder until the phys work lands). */
#ifndef IONSIM_SIM_PHYS_H
#define IONSIM_SIM_PHYS_H
#include <stdint.h>
struct sim_phys {
	int memfd;
};
#endif
