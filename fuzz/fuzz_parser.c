/*
 * fuzz/fuzz_parser.c - a libFuzzer entry point for the scenario parser.
 *
 * Any bytes are a scenario: scn_parse must come back, leak nothing, and
 * either return a program or count its errors.  Messages go to a null
 * stream so that the fuzzer's throughput is not spent printing them;
 * tests/scenarios/test_parser_fuzz.c checks their shape.  Built only with
 * -DIONSIM_FUZZ=ON and clang (fuzz/CMakeLists.txt); run as
 *
 *     build/fuzz/fuzz/fuzz_parser -dict=fuzz/scenario.dict scenarios/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenarios/lang/scn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The stream errors go to, opened once: fopen per input would dominate. */
static FILE *null_stream(void)
{
	static FILE *devnull;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	return devnull;
}

/* LLVMFuzzerTestOneInput - libFuzzer's hook: parse @data, check the
 * result agrees with the count, free it.  Always 0 (keep the input). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scn_program *p = NULL;
	int errors = scn_parse("fuzz.ion", (const char *)data, size, &p,
			       null_stream());

	/* the contract: a program xor a positive count, at most 20 */
	if ((errors == 0) != (p != NULL) || errors < 0 ||
	    errors > SCN_MAX_ERRORS)
		abort();
	scn_program_free(p);
	return 0;
}
