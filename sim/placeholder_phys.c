/* Placeholder boot hooks for phys/buddy/cma; replaced by phys.c, buddy.c, cma.c. */
#include "sim/sim_internal.h"
int sim_phys_init(struct sim_machine *m) { (void)m; return 0; }
void sim_phys_fini(struct sim_machine *m) { (void)m; }
int sim_buddy_init(struct sim_machine *m) { (void)m; return 0; }
void sim_buddy_fini(struct sim_machine *m) { (void)m; }
int sim_cma_init(struct sim_machine *m) { (void)m; return 0; }
void sim_cma_fini(struct sim_machine *m) { (void)m; }
uint64_t sim_ram_pages(const struct sim_machine *m) { (void)m; return 0; }
