/* tests/testlib.c - the shared runner and machine helpers of the suites. */
#include <stdio.h>
#include <unistd.h>

#include "testlib.h"

int test_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

struct sim_machine *test_boot(const struct sim_config *cfg)
{
	int err = 0;
	struct sim_machine *m = sim_boot(cfg, &err);

	ck_assert_msg(m != NULL, "sim_boot failed: %d", err);
	return m;
}

void test_shutdown(struct sim_machine *m)
{
	unsigned long live = sim_shutdown(m);

	ck_assert_msg(live == 0, "%lu kernel objects leaked", live);
}

long test_rss_bytes(void)
{
	long pages_total = 0, pages_rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages_total, &pages_rss) != 2)
		pages_rss = -1;
	fclose(f);
	return pages_rss < 0 ? -1 : pages_rss * sysconf(_SC_PAGESIZE);
}
