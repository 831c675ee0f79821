/*
 * tests/testlib.h - what every Check suite of ionsim shares.
 *
 * A suite file defines its TCase functions and ends with
 * IONSIM_TEST_MAIN(make_suite), which runs the suite and exits non-zero
 * when any test failed.  test_boot()/test_shutdown() give a machine and,
 * at teardown, fail the test if any kernel object was left behind.
 */
#ifndef IONSIM_TESTLIB_H
#define IONSIM_TESTLIB_H

#include <check.h>

#include "ionsim/sim.h"

/*
 * test_require - an assertion for hot loops (random property tests): it
 * asks Check only when it fails, because every passing ck_assert costs a
 * write and a flush, which makes a long property test crawl under
 * valgrind.
 */
#define test_require(cond)                                             \
	do {                                                           \
		if (!(cond))                                           \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__,  \
				     #cond);                           \
	} while (0)

/* Runs @s (Check's CK_NORMAL output) and returns the number of failures. */
int test_run_suite(Suite *s);

/* Boots @cfg (NULL: default) and fails the test if that fails. */
struct sim_machine *test_boot(const struct sim_config *cfg);
/* Shuts down, then fails the test if kernel objects outlived the machine. */
void test_shutdown(struct sim_machine *m);

/* Resident set size of this process, in bytes (from /proc/self/statm). */
long test_rss_bytes(void);

#define IONSIM_TEST_MAIN(make_suite)                                   \
	int main(void)                                                 \
	{                                                              \
		return test_run_suite(make_suite()) ? 1 : 0;           \
	}

#endif /* IONSIM_TESTLIB_H */
