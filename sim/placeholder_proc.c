/* Placeholder boot hooks for processes; replaced by proc.c. */
#include "sim/sim_internal.h"
int sim_procs_init(struct sim_machine *m) { (void)m; return 0; }
void sim_procs_fini(struct sim_machine *m) { (void)m; }
