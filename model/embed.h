/*
 * model/embed.h - what the embedding API (model/embed.c) shares with
 * libion (model/libion.c) and with the model's tests, behind the public
 * ionsim/ionsim.h: the struct behind a struct ionsim, the calling
 * thread's current process, and libion's per-process memory of which ABI
 * /dev/ion speaks.
 */
#ifndef IONSIM_MODEL_EMBED_H
#define IONSIM_MODEL_EMBED_H

#include "ionsim/ionsim.h"
#include "model/kion.h"

/* What AOSP libion's ion_is_legacy() has learnt about /dev/ion. */
enum kion_libion_abi {
	KION_LIBION_UNKNOWN,	/* not probed yet in this process */
	KION_LIBION_MODERN,	/* ION_IOC_FREE answered ENOTTY */
	KION_LIBION_LEGACY,	/* anything else */
};

/* One simulated process's libion answer. */
struct kion_libion_probe {
	int pid;
	enum kion_libion_abi abi;
};

struct ionsim {
	struct sim_machine *m;
	struct kion_device *dev;
	/* libion's cached probe results, one per process that probed: a
	 * process's libion is its own memory, copied by fork */
	struct kion_libion_probe *probes;
	unsigned int nprobes;
	unsigned int probes_cap;	/* entries allocated */
};

/* The calling thread's machine and process (NULL when none was entered,
 * or the machine was shut down); the process may have exited. */
struct ionsim *kion_embed_current_sim(void);
struct sim_proc *kion_embed_current_proc(void);

/*
 * sim_shutdown()'s count of kernel objects never freed, for the last
 * ionsim_shutdown() this thread made: tests check it is 0.
 */
unsigned long kion_embed_last_leaks(void);

/* libion's cached ABI for the current process (UNKNOWN when it has not
 * probed, or there is no current process), and storing it.  Storing
 * without a current process, or without host memory, does nothing: the
 * next call just probes again. */
enum kion_libion_abi kion_libion_cached_abi(void);
void kion_libion_cache_abi(enum kion_libion_abi abi);

#endif /* IONSIM_MODEL_EMBED_H */
