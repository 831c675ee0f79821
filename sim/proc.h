/* sim/proc.h - process table state (placeholder). */
#ifndef IONSIM_SIM_PROC_H
#define IONSIM_SIM_PROC_H
struct sim_procs {
	int next_pid;
};
#endif
