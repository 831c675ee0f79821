/*
 * model/bugs.c - the mutant table: every historical ION defect the model
 * can switch, by the name scenarios (`bug NAME`, `fix NAME`) and the
 * explorer (--bug NAME) use for it.
 *
 * A mutant is not always one KION_BUG_* bit.  Several defects only exist
 * in code that still counts user references as plain krefs: the
 * CVE-2016-9120 double free needs two FREEs to consume the user's one
 * reference twice, which 4.9.337's user_ref_count forbids.  So a mutant's
 * `on` set holds what makes the defect reachable, and its `off` set only
 * the fix the name stands for: `fix cve-2016-9120` on a 4.4 kernel takes
 * the FREE back into one locked section and leaves its plain krefs, as
 * the 4.6 fix did.  CVE-2017-0564 had two fixes (ION-SPEC 7.2: the user
 * reference count and the locked SHARE), so its `off` set is both.
 *
 * Which release had what is ION-SPEC section 7; kion_kernel_bugs
 * (model/device.c) holds the release sets.  The table is in the order
 * `ionsim explore --bug list` prints it: the races first, by age of the
 * fix, then the defects a single thread can show.
 */
#include <string.h>

#include "model/kion.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct kion_mutant mutants[] = {
	{ "cve-2016-9120", KION_BUG_FREE_RACE | KION_BUG_NO_USER_REFS,
	  KION_BUG_FREE_RACE, true,
	  "CVE-2016-9120: ION_IOC_FREE in three locked steps (4.4)" },
	{ "cve-2017-0564", KION_BUG_SHARE_UNLOCKED | KION_BUG_NO_USER_REFS,
	  KION_BUG_SHARE_UNLOCKED | KION_BUG_NO_USER_REFS, true,
	  "CVE-2017-0564: SHARE/MAP drop client->lock, user refs are krefs "
	  "(4.4, 4.9.45)" },
	{ "alloc-uaf", KION_BUG_ALLOC_UAF | KION_BUG_NO_USER_REFS,
	  KION_BUG_ALLOC_UAF, true,
	  "ALLOC publishes the handle before grabbing it (4.4, 4.9.45)" },
	{ "pass-to-user", KION_BUG_PASS_TO_USER, KION_BUG_PASS_TO_USER, true,
	  "IMPORT reads the id after pass_to_user (4.9.y before Jan 2022; "
	  "no release here)" },
	{ "import-resurrect",
	  KION_BUG_FREE_RACE | KION_BUG_NO_USER_REFS |
	  KION_BUG_IMPORT_RESURRECT,
	  KION_BUG_IMPORT_RESURRECT, true,
	  "2012: the final handle put outside client->lock revives a dying "
	  "handle (pre-staging)" },
	{ "kref-overflow", KION_BUG_KREF_OVERFLOW | KION_BUG_NO_USER_REFS,
	  KION_BUG_KREF_OVERFLOW, false,
	  "no overflow check on handle krefs (4.4, 4.9.45; needs a narrow "
	  "kref_bits)" },
	{ "cve-2021-0929", KION_BUG_KMAP_SYNC, KION_BUG_KMAP_SYNC, false,
	  "CVE-2021-0929: DMA_BUF_IOCTL_SYNC moves kmap_cnt, END unchecked "
	  "(4.4-4.19)" },
	{ "kmap-overflow", KION_BUG_KMAP_OVERFLOW, KION_BUG_KMAP_OVERFLOW,
	  false,
	  "no INT_MAX guard on kmap counts (4.4, 4.9.45, 4.19; needs 2^31 "
	  "maps)" },
	{ "deferred-frag", KION_BUG_DEFER_CARVEOUT, KION_BUG_DEFER_CARVEOUT,
	  false,
	  "carveout and chunk heaps defer frees, fragmenting small carveouts "
	  "(every 4.x)" },
	{ "no-user-refs", KION_BUG_NO_USER_REFS, KION_BUG_NO_USER_REFS, true,
	  "user references are plain handle krefs (4.4, 4.9.45)" },
	{ "query-einval", KION_BUG_QUERY_EINVAL, KION_BUG_QUERY_EINVAL, false,
	  "HEAP_QUERY's list answers EINVAL on success (4.9.x; the 4.4 "
	  "set too)" },
};

/* kion_mutant_find - see kion.h. */
const struct kion_mutant *kion_mutant_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(mutants); i++)
		if (strcmp(mutants[i].name, name) == 0)
			return &mutants[i];
	return NULL;
}

/* kion_mutants - see kion.h. */
const struct kion_mutant *kion_mutants(unsigned int *n)
{
	*n = (unsigned int)ARRAY_SIZE(mutants);
	return mutants;
}
