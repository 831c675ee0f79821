/*
 * tools/demo.c - the built-in demo of the simulated machine.
 *
 * Boots the default board, shows its buddy allocator as /proc/buddyinfo
 * does, and tears it down.  Later layers make `make demo` run scenarios.
 */
#include <stdio.h>

#include "ionsim/sim.h"

int main(void)
{
	int err;
	struct sim_machine *m = sim_boot(NULL, &err);

	if (!m) {
		fprintf(stderr, "ionsim-demo: boot failed (%d)\n", err);
		return 1;
	}
	printf("ionsim: default board, %llu pages of RAM\n",
	       (unsigned long long)sim_ram_pages(m));
	sim_shutdown(m);
	return 0;
}
