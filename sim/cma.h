/* sim/cma.h - CMA area state (placeholder). */
#ifndef IONSIM_SIM_CMA_H
#define IONSIM_SIM_CMA_H
struct sim_cma_area {
	unsigned long *bitmap;
};
#endif
