/*
 * tests/model/test_uaccess.c - copy_from_user and copy_to_user: EFAULT for
 * every address a simulated process cannot use, as Linux's uaccess gives,
 * and the trusted range that lets the interpreter skip the syscall.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "model/kion.h"
#include "testlib.h"

START_TEST(copies_plain_memory_both_ways)
{
	char src[16] = "hello, kernel", dst[16] = { 0 };

	ck_assert_int_eq(kion_copy_from_user(dst, (unsigned long)src, 14), 0);
	ck_assert_str_eq(dst, "hello, kernel");
	ck_assert_int_eq(kion_copy_to_user((unsigned long)src, "HELLO", 5), 0);
	ck_assert_int_eq(memcmp(src, "HELLO, kernel", 14), 0);
	ck_assert_int_eq(kion_copy_from_user(dst, 0, 0), 0);	/* nothing */
}
END_TEST

START_TEST(null_unmapped_and_readonly_are_efault)
{
	char buf[8] = { 0 };
	/* Two pages, the second unmapped: a copy that starts in the first
	 * and runs on is sure to hit a hole. */
	char *ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(ro, MAP_FAILED);
	ck_assert_ptr_ne(gone, MAP_FAILED);
	munmap(gone, 4096);
	munmap(ro + 4096, 4096);
	ck_assert_int_eq(kion_copy_from_user(buf, 0, 4), -EFAULT);
	ck_assert_int_eq(kion_copy_to_user(0, buf, 4), -EFAULT);
	ck_assert_int_eq(kion_copy_from_user(buf, (unsigned long)gone, 4),
			 -EFAULT);
	ck_assert_int_eq(kion_copy_from_user(buf, (unsigned long)ro, 4), 0);
	ck_assert_int_eq(kion_copy_to_user((unsigned long)ro, buf, 4), -EFAULT);
	/* A copy that runs off the end of a mapping faults as a whole. */
	ck_assert_int_eq(kion_copy_from_user(buf, (unsigned long)ro + 4092, 8),
			 -EFAULT);
	munmap(ro, 4096);
}
END_TEST

START_TEST(trusted_range_skips_the_check_and_only_inside)
{
	static char scratch[64];
	char buf[8] = { 0 };

	kion_uaccess_trust(scratch, sizeof(scratch));
	memcpy(scratch, "fastpath", 8);
	ck_assert_int_eq(kion_copy_from_user(buf, (unsigned long)scratch, 8), 0);
	ck_assert_int_eq(memcmp(buf, "fastpath", 8), 0);
	ck_assert_int_eq(kion_copy_to_user((unsigned long)scratch + 56, "END!",
					   4), 0);
	ck_assert_int_eq(memcmp(scratch + 56, "END!", 4), 0);
	/* Straddling the end, or outside: still checked, still faulting. */
	ck_assert_int_eq(kion_copy_from_user(buf, 0, 4), -EFAULT);
	ck_assert_int_eq(kion_copy_to_user(8, buf, 4), -EFAULT);
	kion_uaccess_trust(NULL, 0);
	ck_assert_int_eq(kion_copy_from_user(buf, (unsigned long)scratch, 8), 0);
}
END_TEST

static Suite *uaccess_suite(void)
{
	Suite *s = suite_create("model-uaccess");
	TCase *t = tcase_create("uaccess");

	tcase_add_test(t, copies_plain_memory_both_ways);
	tcase_add_test(t, null_unmapped_and_readonly_are_efault);
	tcase_add_test(t, trusted_range_skips_the_check_and_only_inside);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(uaccess_suite)
