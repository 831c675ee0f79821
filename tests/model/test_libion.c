/*
 * tests/model/test_libion.c - AOSP libion (ionsim/ion.h) on the simulated
 * machine, in the spirit of AOSP's own libion tests (allocate, map, exit,
 * invalid values, heap query), rewritten for this suite: every heap and
 * size, cached flags, mapping and reading back, zeroed pages, what exit
 * releases, the errno of every invalid argument, the heap query with
 * Linux 4.9's EINVAL, and the ABI probe that libion caches per process.
 * Every test ends with a shutdown that must leave no kernel object.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ionsim/ion.h"
#include "model/embed.h"
#include "testlib.h"

#define PAGE 4096
#define NSIZES 4
#define NHEAPS 5		/* the default board */
#define CMA_HEAP_ID 4

/* AOSP's allocation sizes: a page, 64K, 1M and 2M. */
static const size_t sizes[NSIZES] = { 4096, 64 << 10, 1 << 20, 2 << 20 };

/* A booted machine, its one process (entered) and its /dev/ion fd. */
struct world {
	struct ionsim *sim;
	int pid;
	int ionfd;
	int nheaps;
	struct ion_heap_data heaps[NHEAPS];	/* as HEAP_QUERY lists them */
};

/* Boots @machine, spawns and enters a process, opens /dev/ion and lists
 * the heaps.  The query calls do not probe the ABI: libion's cache is
 * still empty afterwards. */
static void world_up(struct world *w, const char *machine)
{
	memset(w, 0, sizeof(*w));
	w->sim = ionsim_boot(machine);
	ck_assert_ptr_nonnull(w->sim);
	w->pid = ionsim_spawn(w->sim, "app");
	ck_assert_int_eq(ionsim_enter(w->sim, w->pid), 0);
	w->ionfd = ion_open();
	ck_assert_int_ge(w->ionfd, 3);
	ck_assert_int_eq(ion_query_heap_cnt(w->ionfd, &w->nheaps), 0);
	ck_assert_int_le(w->nheaps, NHEAPS);
	ion_query_get_heaps(w->ionfd, w->nheaps, w->heaps);
}

/* Shuts down; no kernel object may be left. */
static void world_down(struct world *w)
{
	ionsim_shutdown(w->sim);
	ck_assert_uint_eq(kion_embed_last_leaks(), 0);
}

static unsigned int heap_mask(const struct ion_heap_data *h)
{
	return 1u << h->heap_id;
}

/* --- heap query (AOSP heap_query) ------------------------------------ */

START_TEST(query_lists_the_default_board_highest_id_first)
{
	static const char *const names[NHEAPS] = {
		"cma", "chunk", "carveout", "system_contig", "system",
	};
	struct ion_heap_data heaps[NHEAPS];
	struct world w;
	int cnt = -1;

	world_up(&w, NULL);
	ck_assert_int_eq(ion_query_heap_cnt(w.ionfd, &cnt), 0);
	ck_assert_int_eq(cnt, NHEAPS);
	/* Linux 4.9 fills the list and still answers EINVAL: its
	 * ion_query_heaps never clears the error it starts with */
	memset(heaps, 0xff, sizeof(heaps));
	ck_assert_int_eq(ion_query_get_heaps(w.ionfd, cnt, heaps), -EINVAL);
	for (int i = 0; i < NHEAPS; i++) {
		ck_assert_str_eq(heaps[i].name, names[i]);
		ck_assert_uint_eq(heaps[i].heap_id, (unsigned int)(NHEAPS - 1 - i));
		/* the default board gives each heap the id of its type, so
		 * AOSP's ION_HEAP_*_MASK (1 << type) names it */
		ck_assert_uint_eq(heaps[i].type, heaps[i].heap_id);
		ck_assert_uint_eq(heaps[i].reserved0 | heaps[i].reserved1 |
				  heaps[i].reserved2, 0);
	}
	/* room for fewer entries than there are heaps: that many */
	memset(heaps, 0, sizeof(heaps));
	ck_assert_int_eq(ion_query_get_heaps(w.ionfd, 2, heaps), -EINVAL);
	ck_assert_str_eq(heaps[1].name, "chunk");
	ck_assert_str_eq(heaps[2].name, "");
	world_down(&w);
}
END_TEST

START_TEST(query_errors)
{
	struct ion_heap_data heaps[NHEAPS];
	struct world w;
	int cnt;

	world_up(&w, NULL);
	ck_assert_int_eq(ion_query_heap_cnt(w.ionfd, NULL), -EINVAL);
	ck_assert_int_eq(ion_query_heap_cnt(-1, &cnt), -EBADF);
	ck_assert_int_eq(ion_query_heap_cnt(0, &cnt), -ENOTTY);
	/* a list with no room is EINVAL; a bad list pointer EFAULT */
	ck_assert_int_eq(ion_query_get_heaps(w.ionfd, 0, heaps), -EINVAL);
	ck_assert_int_eq(ion_query_get_heaps(w.ionfd, NHEAPS, (void *)8),
			 -EFAULT);
	/* no list at all is the count query, which succeeds */
	ck_assert_int_eq(ion_query_get_heaps(w.ionfd, NHEAPS, NULL), 0);
	world_down(&w);
}
END_TEST

/* --- allocation (AOSP allocate_test) ------------------------------------ */

/* ion_alloc_fd of every size on every heap with @flags: 0, or the
 * expected failure for heaps whose id is in @refuse_mask. */
static void allocate_everywhere(struct world *w, unsigned int flags,
				unsigned int refuse_mask, int refuse_err)
{
	for (int h = 0; h < w->nheaps; h++) {
		unsigned int mask = heap_mask(&w->heaps[h]);
		bool refused = mask & refuse_mask;

		for (int s = 0; s < NSIZES; s++) {
			int fd = -1;
			int ret = ion_alloc_fd(w->ionfd, sizes[s], 0, mask,
					       flags, &fd);

			ck_assert_msg(ret == (refused ? refuse_err : 0),
				      "heap %s size %zu flags %u: %d",
				      w->heaps[h].name, sizes[s], flags, ret);
			if (refused)
				continue;
			ck_assert_int_gt(fd, 2);
			ck_assert_uint_eq(ionsim_live_buffers(w->sim), 1);
			ck_assert_int_eq(ionsim_close(fd), 0);	/* frees it */
			ck_assert_uint_eq(ionsim_live_buffers(w->sim), 0);
		}
	}
}

START_TEST(allocate_every_heap_and_size)
{
	struct world w;

	world_up(&w, NULL);
	allocate_everywhere(&w, 0, 0, 0);
	world_down(&w);
}
END_TEST

START_TEST(allocate_cached)
{
	struct world w;

	/* Linux 4.9's CMA heap refuses ION_FLAG_CACHED with EINVAL */
	world_up(&w, NULL);
	allocate_everywhere(&w, ION_FLAG_CACHED, 1u << CMA_HEAP_ID, -EINVAL);
	world_down(&w);
}
END_TEST

START_TEST(allocate_cached_needs_sync)
{
	struct world w;

	/* NEEDS_SYNC alone (as AOSP asks) is not CACHED: every heap takes it */
	world_up(&w, NULL);
	allocate_everywhere(&w, ION_FLAG_CACHED_NEEDS_SYNC, 0, 0);
	allocate_everywhere(&w, ION_FLAG_CACHED | ION_FLAG_CACHED_NEEDS_SYNC,
			    1u << CMA_HEAP_ID, -EINVAL);
	world_down(&w);
}
END_TEST

START_TEST(allocate_repeatedly)
{
	struct world w;

	world_up(&w, NULL);
	for (int i = 0; i < 64; i++)
		allocate_everywhere(&w, 0, 0, 0);
	world_down(&w);
}
END_TEST

START_TEST(allocate_too_large)
{
	struct world w;

	world_up(&w, NULL);
	for (int h = 0; h < w.nheaps; h++) {
		int fd, expected = -ENOMEM;

		/* Linux 4.9's CMA heap fails with its literal -1: EPERM */
		if (w.heaps[h].heap_id == CMA_HEAP_ID)
			expected = -EPERM;
		ck_assert_int_eq(ion_alloc_fd(w.ionfd, 3UL << 30, 0,
					      heap_mask(&w.heaps[h]), 0, &fd),
				 expected);
	}
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 0);
	world_down(&w);
}
END_TEST

START_TEST(allocations_are_zeroed)
{
	struct world w;

	world_up(&w, NULL);
	for (int h = 0; h < w.nheaps; h++) {
		unsigned int mask = heap_mask(&w.heaps[h]);
		int fds[16], fd, ionfd2;
		unsigned char *p;

		/* dirty pages, then give them back to the heap */
		for (int i = 0; i < 16; i++) {
			ck_assert_int_eq(ion_alloc_fd(w.ionfd, PAGE, 0, mask, 0,
						      &fds[i]), 0);
			p = ionsim_mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED,
					fds[i], 0);
			ck_assert_ptr_ne(p, MAP_FAILED);
			memset(p, 0xaa, PAGE);
			ck_assert_int_eq(ionsim_munmap(p, PAGE), 0);
		}
		for (int i = 0; i < 16; i++)
			ck_assert_int_eq(ionsim_close(fds[i]), 0);
		/* another client's new buffer must not show those bytes */
		ionfd2 = ion_open();
		ck_assert_int_eq(ion_alloc_fd(ionfd2, PAGE, 0, mask, 0, &fd), 0);
		p = ionsim_mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ck_assert_ptr_ne(p, MAP_FAILED);
		for (int i = 0; i < PAGE; i++)
			ck_assert_uint_eq(p[i], 0);
		ck_assert_int_eq(ionsim_munmap(p, PAGE), 0);
		ck_assert_int_eq(ionsim_close(fd), 0);
		ck_assert_int_eq(ion_close(ionfd2), 0);
	}
	world_down(&w);
}
END_TEST

/* --- mapping (AOSP map_test) --------------------------------------------- */

START_TEST(map_handle_outlives_fd_and_handle)
{
	struct world w;

	world_up(&w, NULL);
	for (int h = 0; h < w.nheaps; h++) {
		for (int s = 0; s < NSIZES; s++) {
			ion_user_handle_t handle = 0;
			unsigned char *ptr = NULL;
			int map_fd = -1;

			ck_assert_int_eq(ion_alloc(w.ionfd, sizes[s], 0,
						   heap_mask(&w.heaps[h]), 0,
						   &handle), 0);
			ck_assert_int_gt(handle, 0);
			ck_assert_int_eq(ion_map(w.ionfd, handle, sizes[s],
						 PROT_READ | PROT_WRITE,
						 MAP_SHARED, 0, &ptr, &map_fd), 0);
			ck_assert_ptr_nonnull(ptr);
			ck_assert_int_gt(map_fd, 2);
			ck_assert_int_eq(ionsim_close(map_fd), 0);
			ck_assert_int_eq(ion_free(w.ionfd, handle), 0);
			/* only the mapping holds the buffer now */
			memset(ptr, 0xaa, sizes[s]);
			ck_assert_uint_eq(ionsim_live_buffers(w.sim), 1);
			ck_assert_int_eq(ionsim_munmap(ptr, sizes[s]), 0);
			ck_assert_uint_eq(ionsim_live_buffers(w.sim), 0);
		}
	}
	world_down(&w);
}
END_TEST

/* ion_alloc_fd, mmap, close the fd, then write through the mapping. */
static void map_fd_with_flags(struct world *w, unsigned int flags)
{
	for (int h = 0; h < w->nheaps; h++) {
		/* Linux 4.9's CMA heap refuses cached buffers (see above) */
		if ((flags & ION_FLAG_CACHED) &&
		    w->heaps[h].heap_id == CMA_HEAP_ID)
			continue;
		for (int s = 0; s < NSIZES; s++) {
			unsigned char *p;
			int fd = -1;

			ck_assert_int_eq(ion_alloc_fd(w->ionfd, sizes[s], 0,
						      heap_mask(&w->heaps[h]),
						      flags, &fd), 0);
			p = ionsim_mmap(NULL, sizes[s], PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);
			ck_assert_ptr_ne(p, MAP_FAILED);
			ck_assert_int_eq(ionsim_close(fd), 0);
			memset(p, 0xaa, sizes[s]);
			ck_assert_uint_eq(p[sizes[s] - 1], 0xaa);
			ck_assert_int_eq(ionsim_munmap(p, sizes[s]), 0);
		}
	}
	ck_assert_uint_eq(ionsim_live_buffers(w->sim), 0);
}

START_TEST(map_through_a_closed_fd)
{
	struct world w;

	world_up(&w, NULL);
	map_fd_with_flags(&w, 0);
	map_fd_with_flags(&w, ION_FLAG_CACHED);
	map_fd_with_flags(&w, ION_FLAG_CACHED | ION_FLAG_CACHED_NEEDS_SYNC);
	world_down(&w);
}
END_TEST

START_TEST(map_at_an_offset)
{
	struct world w;

	world_up(&w, NULL);
	for (int h = 0; h < w.nheaps; h++) {
		unsigned char *p;
		int fd = -1;

		ck_assert_int_eq(ion_alloc_fd(w.ionfd, 2 * PAGE, 0,
					      heap_mask(&w.heaps[h]), 0, &fd), 0);
		p = ionsim_mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);
		ck_assert_ptr_ne(p, MAP_FAILED);
		memset(p, 0, PAGE);
		memset(p + PAGE, 0xaa, PAGE);
		ck_assert_int_eq(ionsim_munmap(p, 2 * PAGE), 0);
		p = ionsim_mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				fd, PAGE);
		ck_assert_ptr_ne(p, MAP_FAILED);
		ck_assert_uint_eq(p[0], 0xaa);
		ck_assert_uint_eq(p[PAGE - 1], 0xaa);
		ck_assert_int_eq(ionsim_munmap(p, PAGE), 0);
		ck_assert_int_eq(ionsim_close(fd), 0);
	}
	world_down(&w);
}
END_TEST

START_TEST(share_import_and_sync_across_processes)
{
	ion_user_handle_t handle, imported, again;
	unsigned char *ptr;
	int fd, fd_b, ionfd_b, map_fd, b;
	struct world w;
	char *p;

	world_up(&w, NULL);
	b = ionsim_spawn(w.sim, "consumer");
	ck_assert_int_eq(ion_alloc(w.ionfd, PAGE, 0, 1u << 2, 0, &handle), 0);
	ck_assert_int_eq(ion_share(w.ionfd, handle, &fd), 0);
	p = ionsim_mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	strcpy(p, "frame 1");
	fd_b = ionsim_send_fd(fd, b);
	ck_assert_int_eq(ionsim_enter(w.sim, b), 0);
	ionfd_b = ion_open();
	ck_assert_int_eq(ion_import(ionfd_b, fd_b, &imported), 0);
	/* importing the same buffer again gives the same handle */
	ck_assert_int_eq(ion_import(ionfd_b, fd_b, &again), 0);
	ck_assert_int_eq(again, imported);
	ck_assert_int_eq(ion_sync_fd(ionfd_b, fd_b), 0);
	ck_assert_int_eq(ion_map(ionfd_b, imported, PAGE, PROT_READ, MAP_SHARED,
				 0, &ptr, &map_fd), 0);
	ck_assert_str_eq((char *)ptr, "frame 1");
	/* the producer goes away: the consumer's references keep it */
	ck_assert_int_eq(ionsim_enter(w.sim, w.pid), 0);
	ck_assert_int_eq(ionsim_exit(), 0);
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 1);
	ck_assert_int_eq(ionsim_enter(w.sim, b), 0);
	ck_assert_int_eq(ion_free(ionfd_b, imported), 0);
	ck_assert_int_eq(ion_free(ionfd_b, imported), 0);
	ck_assert_int_eq(ion_free(ionfd_b, imported), -EINVAL);
	ck_assert_int_eq(ionsim_munmap(ptr, PAGE), 0);
	ck_assert_int_eq(ionsim_close(map_fd), 0);
	ck_assert_int_eq(ionsim_close(fd_b), 0);
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 0);
	ck_assert_int_eq(ion_close(ionfd_b), 0);
	world_down(&w);
}
END_TEST

/* --- exit (AOSP exit_test) ------------------------------------------------ */

START_TEST(exit_releases_everything_the_process_held)
{
	struct world w;

	world_up(&w, NULL);
	for (int h = 0; h < w.nheaps; h++) {
		for (int s = 0; s < NSIZES; s++) {
			unsigned int mask = heap_mask(&w.heaps[h]);
			ion_user_handle_t handle;
			int pid, ionfd, fd, mfd;
			unsigned char *p;

			pid = ionsim_spawn(w.sim, "short-lived");
			ck_assert_int_eq(ionsim_enter(w.sim, pid), 0);
			ionfd = ion_open();
			/* a handle, an fd, and a mapping of a closed fd */
			ck_assert_int_eq(ion_alloc(ionfd, sizes[s], 0, mask, 0,
						   &handle), 0);
			ck_assert_int_eq(ion_alloc_fd(ionfd, sizes[s], 0, mask,
						      0, &fd), 0);
			ck_assert_int_eq(ion_alloc_fd(ionfd, sizes[s], 0, mask,
						      0, &mfd), 0);
			p = ionsim_mmap(NULL, sizes[s], PROT_READ | PROT_WRITE,
					MAP_SHARED, mfd, 0);
			ck_assert_ptr_ne(p, MAP_FAILED);
			ck_assert_int_eq(ionsim_close(mfd), 0);
			ck_assert_uint_eq(ionsim_live_buffers(w.sim), 3);
			ck_assert_int_eq(ionsim_exit(), 0);
			ck_assert_uint_eq(ionsim_live_buffers(w.sim), 0);
		}
	}
	world_down(&w);
}
END_TEST

START_TEST(exit_of_a_forked_child_leaves_the_shared_client)
{
	ion_user_handle_t handle;
	struct world w;
	int child;

	/* A forked child shares its parent's /dev/ion file, hence its
	 * client: what the child allocates there outlives the child. */
	world_up(&w, NULL);
	ck_assert_int_eq(ion_is_legacy(w.ionfd), 1);
	child = ionsim_fork();
	ck_assert_int_eq(ionsim_enter(w.sim, child), 0);
	/* the child inherited libion's probe result with its memory */
	ck_assert_int_eq(kion_libion_cached_abi(), KION_LIBION_LEGACY);
	ck_assert_int_eq(ion_alloc(w.ionfd, PAGE, 0, 1, 0, &handle), 0);
	ck_assert_int_eq(ionsim_exit(), 0);
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 1);
	ck_assert_int_eq(ionsim_enter(w.sim, w.pid), 0);
	ck_assert_int_eq(ion_free(w.ionfd, handle), 0);
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 0);
	world_down(&w);
}
END_TEST

/* --- invalid values (AOSP invalid_values_test) ---------------------------- */

/* The fixture of the invalid-value tests: a valid handle and its fd. */
struct valid {
	struct world w;
	ion_user_handle_t handle;
	int share_fd;
};

static void valid_up(struct valid *v)
{
	world_up(&v->w, NULL);
	ck_assert_int_eq(ion_alloc(v->w.ionfd, PAGE, 0, 1, 0, &v->handle), 0);
	ck_assert_int_eq(ion_share(v->w.ionfd, v->handle, &v->share_fd), 0);
}

/* The handle and fd are still good, and no fd leaked on the way. */
static void valid_down(struct valid *v)
{
	int next = ionsim_dup(0);

	ck_assert_int_eq(next, v->share_fd + 1);
	ck_assert_int_eq(ion_free(v->w.ionfd, v->handle), 0);
	ck_assert_int_eq(ionsim_close(v->share_fd), 0);
	world_down(&v->w);
}

START_TEST(invalid_close)
{
	struct valid v;

	valid_up(&v);
	ck_assert_int_eq(ion_close(-1), -EBADF);
	ck_assert_int_eq(ion_close(77), -EBADF);
	valid_down(&v);
}
END_TEST

START_TEST(invalid_alloc)
{
	ion_user_handle_t handle;
	struct valid v;

	valid_up(&v);
	/* fd 0 is the terminal, fd -1 nothing at all */
	ck_assert_int_eq(ion_alloc(0, PAGE, 0, 1, 0, &handle), -ENOTTY);
	ck_assert_int_eq(ion_alloc(-1, PAGE, 0, 1, 0, &handle), -EBADF);
	/* no heap in the mask */
	ck_assert_int_eq(ion_alloc(v.w.ionfd, PAGE, 0, 0, 0, &handle), -ENODEV);
	ck_assert_int_eq(ion_alloc(v.w.ionfd, PAGE, 0, 1u << 30, 0, &handle),
			 -ENODEV);
	for (int h = 0; h < v.w.nheaps; h++) {
		unsigned int mask = heap_mask(&v.w.heaps[h]);

		ck_assert_int_eq(ion_alloc(v.w.ionfd, 0, 0, mask, 0, &handle),
				 -EINVAL);
		/* SIZE_MAX rounds up to 0 pages */
		ck_assert_int_eq(ion_alloc(v.w.ionfd, (size_t)-1, 0, mask, 0,
					   &handle), -EINVAL);
		ck_assert_int_eq(ion_alloc(v.w.ionfd, PAGE, (size_t)-1, mask, 0,
					   &handle), -EINVAL);
		ck_assert_int_eq(ion_alloc(v.w.ionfd, PAGE, 0, mask, 0, NULL),
				 -EINVAL);
	}
	ck_assert_uint_eq(ionsim_live_buffers(v.w.sim), 1);
	valid_down(&v);
}
END_TEST

START_TEST(invalid_alloc_fd)
{
	struct valid v;
	int fd;

	valid_up(&v);
	ck_assert_int_eq(ion_alloc_fd(0, PAGE, 0, 1, 0, &fd), -ENOTTY);
	ck_assert_int_eq(ion_alloc_fd(-1, PAGE, 0, 1, 0, &fd), -EBADF);
	ck_assert_int_eq(ion_alloc_fd(v.w.ionfd, PAGE, 0, 0, 0, &fd), -ENODEV);
	for (int h = 0; h < v.w.nheaps; h++) {
		unsigned int mask = heap_mask(&v.w.heaps[h]);

		ck_assert_int_eq(ion_alloc_fd(v.w.ionfd, 0, 0, mask, 0, &fd),
				 -EINVAL);
		ck_assert_int_eq(ion_alloc_fd(v.w.ionfd, (size_t)-1, 0, mask, 0,
					      &fd), -EINVAL);
		ck_assert_int_eq(ion_alloc_fd(v.w.ionfd, PAGE, (size_t)-1, mask,
					      0, &fd), -EINVAL);
		ck_assert_int_eq(ion_alloc_fd(v.w.ionfd, PAGE, 0, mask, 0, NULL),
				 -EINVAL);
	}
	ck_assert_uint_eq(ionsim_live_buffers(v.w.sim), 1);
	valid_down(&v);
}
END_TEST

START_TEST(invalid_free)
{
	struct valid v;

	valid_up(&v);
	ck_assert_int_eq(ion_free(0, v.handle), -ENOTTY);
	ck_assert_int_eq(ion_free(-1, v.handle), -EBADF);
	/* Linux 4.9: an id not in the client's idr is EINVAL */
	ck_assert_int_eq(ion_free(v.w.ionfd, 0), -EINVAL);
	ck_assert_int_eq(ion_free(v.w.ionfd, -1), -EINVAL);
	ck_assert_int_eq(ion_free(v.w.ionfd, v.handle + 1), -EINVAL);
	valid_down(&v);
}
END_TEST

START_TEST(invalid_map)
{
	unsigned char *ptr;
	struct valid v;
	int map_fd;

	valid_up(&v);
	ck_assert_int_eq(ion_map(0, v.handle, PAGE, PROT_READ, MAP_SHARED, 0,
				 &ptr, &map_fd), -ENOTTY);
	ck_assert_int_eq(ion_map(-1, v.handle, PAGE, PROT_READ, MAP_SHARED, 0,
				 &ptr, &map_fd), -EBADF);
	ck_assert_int_eq(ion_map(v.w.ionfd, 0, PAGE, PROT_READ, MAP_SHARED, 0,
				 &ptr, &map_fd), -EINVAL);
	ck_assert_int_eq(ion_map(v.w.ionfd, -1, PAGE, PROT_READ, MAP_SHARED, 0,
				 &ptr, &map_fd), -EINVAL);
	/* MAP works, then the mmap refuses: the new fd is closed again */
	ck_assert_int_eq(ion_map(v.w.ionfd, v.handle, 0, PROT_READ, MAP_SHARED,
				 0, &ptr, &map_fd), -EINVAL);
	ck_assert_int_eq(ion_map(v.w.ionfd, v.handle, PAGE, -1, MAP_SHARED, 0,
				 &ptr, &map_fd), -EINVAL);
	ck_assert_int_eq(ion_map(v.w.ionfd, v.handle, PAGE, PROT_READ, MAP_SHARED,
				 -1, &ptr, &map_fd), -EINVAL);
	ck_assert_int_eq(ion_map(v.w.ionfd, v.handle, PAGE, PROT_READ, 0, 0,
				 &ptr, &map_fd), -EINVAL);
	ck_assert_int_eq(ion_map(v.w.ionfd, v.handle, 2 * PAGE, PROT_READ,
				 MAP_SHARED, 0, &ptr, &map_fd), -EINVAL);
	ck_assert_int_eq(ion_map(v.w.ionfd, v.handle, PAGE, PROT_READ, MAP_SHARED,
				 0, NULL, &map_fd), -EINVAL);
	ck_assert_int_eq(ion_map(v.w.ionfd, v.handle, PAGE, PROT_READ, MAP_SHARED,
				 0, &ptr, NULL), -EINVAL);
	valid_down(&v);
}
END_TEST

START_TEST(invalid_share)
{
	struct valid v;
	int share_fd;

	valid_up(&v);
	ck_assert_int_eq(ion_share(0, v.handle, &share_fd), -ENOTTY);
	ck_assert_int_eq(ion_share(-1, v.handle, &share_fd), -EBADF);
	ck_assert_int_eq(ion_share(v.w.ionfd, 0, &share_fd), -EINVAL);
	ck_assert_int_eq(ion_share(v.w.ionfd, -1, &share_fd), -EINVAL);
	ck_assert_int_eq(ion_share(v.w.ionfd, v.handle, NULL), -EINVAL);
	valid_down(&v);
}
END_TEST

START_TEST(invalid_import)
{
	ion_user_handle_t handle;
	struct valid v;

	valid_up(&v);
	ck_assert_int_eq(ion_import(0, v.share_fd, &handle), -ENOTTY);
	ck_assert_int_eq(ion_import(-1, v.share_fd, &handle), -EBADF);
	/* an open fd that is not a dma-buf, then one that is not open */
	ck_assert_int_eq(ion_import(v.w.ionfd, 0, &handle), -EINVAL);
	ck_assert_int_eq(ion_import(v.w.ionfd, v.w.ionfd, &handle), -EINVAL);
	ck_assert_int_eq(ion_import(v.w.ionfd, -1, &handle), -EBADF);
	ck_assert_int_eq(ion_import(v.w.ionfd, v.share_fd, NULL), -EINVAL);
	valid_down(&v);
}
END_TEST

START_TEST(invalid_sync_fd)
{
	struct valid v;

	valid_up(&v);
	ck_assert_int_eq(ion_sync_fd(0, v.share_fd), -ENOTTY);
	ck_assert_int_eq(ion_sync_fd(-1, v.share_fd), -EBADF);
	ck_assert_int_eq(ion_sync_fd(v.w.ionfd, 0), -EINVAL);
	ck_assert_int_eq(ion_sync_fd(v.w.ionfd, -1), -EBADF);
	ck_assert_int_eq(ion_sync_fd(v.w.ionfd, v.share_fd), 0);
	valid_down(&v);
}
END_TEST

START_TEST(formerly_valid_handle)
{
	ion_user_handle_t handle, again;
	unsigned char *ptr;
	int fd, map_fd;
	struct world w;

	/* Linux 4.9 removes a freed handle's id from the client's idr: every
	 * later use of it is EINVAL, as for an id never handed out */
	world_up(&w, NULL);
	ck_assert_int_eq(ion_alloc(w.ionfd, PAGE, 0, 1, 0, &handle), 0);
	ck_assert_int_eq(ion_free(w.ionfd, handle), 0);
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 0);
	ck_assert_int_eq(ion_free(w.ionfd, handle), -EINVAL);
	ck_assert_int_eq(ion_share(w.ionfd, handle, &fd), -EINVAL);
	ck_assert_int_eq(ion_map(w.ionfd, handle, PAGE, PROT_READ, MAP_SHARED, 0,
				 &ptr, &map_fd), -EINVAL);
	/* and the id is handed out again, the lowest free one */
	ck_assert_int_eq(ion_alloc(w.ionfd, PAGE, 0, 1, 0, &again), 0);
	ck_assert_int_eq(again, handle);
	world_down(&w);
}
END_TEST

/* --- the ABI probe ---------------------------------------------------------- */

START_TEST(is_legacy_under_abi_legacy)
{
	struct world w;

	world_up(&w, "abi legacy\n");
	ck_assert_int_eq(kion_libion_cached_abi(), KION_LIBION_UNKNOWN);
	ck_assert_int_eq(ion_is_legacy(w.ionfd), 1);
	ck_assert_int_eq(kion_libion_cached_abi(), KION_LIBION_LEGACY);
	/* cached: even a non-ION fd gets the same answer now */
	ck_assert_int_eq(ion_is_legacy(0), 1);
	world_down(&w);
}
END_TEST

START_TEST(probe_is_cached_per_process)
{
	ion_user_handle_t handle;
	struct world w;
	int other, ionfd;

	world_up(&w, NULL);
	ck_assert_int_eq(ion_is_legacy(w.ionfd), 1);
	/* As in AOSP libion, the first probe decides for good: made on the
	 * terminal (ENOTTY), it concludes "modern" and the handle calls
	 * refuse from then on, in that process only. */
	other = ionsim_spawn(w.sim, "other");
	ck_assert_int_eq(ionsim_enter(w.sim, other), 0);
	ionfd = ion_open();
	ck_assert_int_eq(ion_is_legacy(0), 0);
	ck_assert_int_eq(ion_alloc(ionfd, PAGE, 0, 1, 0, &handle), -EINVAL);
	ck_assert_int_eq(ionsim_enter(w.sim, w.pid), 0);
	ck_assert_int_eq(ion_alloc(w.ionfd, PAGE, 0, 1, 0, &handle), 0);
	ck_assert_int_eq(ion_free(w.ionfd, handle), 0);
	/* a process's memory dies with it */
	ck_assert_int_eq(ionsim_enter(w.sim, other), 0);
	ck_assert_int_eq(ionsim_exit(), 0);
	ck_assert_int_eq(kion_libion_cached_abi(), KION_LIBION_UNKNOWN);
	world_down(&w);
}
END_TEST

/* Whether /dev/ion under `abi modern` exists yet: the 4.12+ dispatcher
 * (model/ioctl_modern.c) lands after the legacy one. */
static bool modern_ion_available(struct ionsim *sim)
{
	int fd = ionsim_open("/dev/ion", O_RDONLY);

	if (fd < 0)
		return false;
	ionsim_close(fd);
	return true;
}

START_TEST(modern_abi)
{
	ion_user_handle_t handle;
	struct world w;
	int pid, fd, cnt;
	unsigned char *p;

	memset(&w, 0, sizeof(w));
	w.sim = ionsim_boot("abi modern\n");
	ck_assert_ptr_nonnull(w.sim);
	pid = ionsim_spawn(w.sim, "app");
	ck_assert_int_eq(ionsim_enter(w.sim, pid), 0);
	if (!modern_ion_available(w.sim)) {
		/* SKIPPED until kion's modern ops exist */
		fprintf(stderr, "modern_abi: skipped, /dev/ion has no 4.12+ "
				"dispatcher in this build\n");
		world_down(&w);
		return;
	}
	w.ionfd = ion_open();
	ck_assert_int_eq(ion_is_legacy(w.ionfd), 0);
	ck_assert_int_eq(kion_libion_cached_abi(), KION_LIBION_MODERN);
	/* 4.14 fixed HEAP_QUERY: the list call succeeds */
	ck_assert_int_eq(ion_query_heap_cnt(w.ionfd, &cnt), 0);
	ck_assert_int_eq(cnt, NHEAPS);
	ck_assert_int_eq(ion_query_get_heaps(w.ionfd, cnt, w.heaps), 0);
	/* the handle calls refuse; FREE is unknown to the kernel */
	ck_assert_int_eq(ion_alloc(w.ionfd, PAGE, 0, 1, 0, &handle), -EINVAL);
	ck_assert_int_eq(ion_share(w.ionfd, 1, &fd), -EINVAL);
	ck_assert_int_eq(ion_import(w.ionfd, 0, &handle), -EINVAL);
	ck_assert_int_eq(ion_sync_fd(w.ionfd, 0), -EINVAL);
	ck_assert_int_eq(ion_map(w.ionfd, 1, PAGE, PROT_READ, MAP_SHARED, 0,
				 &p, &fd), -EINVAL);
	ck_assert_int_eq(ion_free(w.ionfd, 1), -ENOTTY);
	/* ion_alloc_fd speaks the fd-returning ALLOC */
	ck_assert_int_eq(ion_alloc_fd(w.ionfd, PAGE, 0, 1, 0, &fd), 0);
	p = ionsim_mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	p[0] = 1;
	ck_assert_int_eq(ionsim_close(fd), 0);
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 1);
	ck_assert_int_eq(ionsim_munmap(p, PAGE), 0);
	ck_assert_uint_eq(ionsim_live_buffers(w.sim), 0);
	ck_assert_int_eq(ion_alloc_fd(w.ionfd, PAGE, 0, 0, 0, &fd), -ENODEV);
	ck_assert_int_eq(ion_alloc_fd(w.ionfd, 0, 0, 1, 0, &fd), -EINVAL);
	world_down(&w);
}
END_TEST

static Suite *libion_suite(void)
{
	Suite *s = suite_create("model-libion");
	TCase *t = tcase_create("query");

	tcase_add_test(t, query_lists_the_default_board_highest_id_first);
	tcase_add_test(t, query_errors);
	suite_add_tcase(s, t);
	t = tcase_create("allocate");
	tcase_add_test(t, allocate_every_heap_and_size);
	tcase_add_test(t, allocate_cached);
	tcase_add_test(t, allocate_cached_needs_sync);
	tcase_add_test(t, allocate_repeatedly);
	tcase_add_test(t, allocate_too_large);
	tcase_add_test(t, allocations_are_zeroed);
	suite_add_tcase(s, t);
	t = tcase_create("map");
	tcase_add_test(t, map_handle_outlives_fd_and_handle);
	tcase_add_test(t, map_through_a_closed_fd);
	tcase_add_test(t, map_at_an_offset);
	tcase_add_test(t, share_import_and_sync_across_processes);
	suite_add_tcase(s, t);
	t = tcase_create("exit");
	tcase_add_test(t, exit_releases_everything_the_process_held);
	tcase_add_test(t, exit_of_a_forked_child_leaves_the_shared_client);
	suite_add_tcase(s, t);
	t = tcase_create("invalid");
	tcase_add_test(t, invalid_close);
	tcase_add_test(t, invalid_alloc);
	tcase_add_test(t, invalid_alloc_fd);
	tcase_add_test(t, invalid_free);
	tcase_add_test(t, invalid_map);
	tcase_add_test(t, invalid_share);
	tcase_add_test(t, invalid_import);
	tcase_add_test(t, invalid_sync_fd);
	tcase_add_test(t, formerly_valid_handle);
	suite_add_tcase(s, t);
	t = tcase_create("abi");
	tcase_add_test(t, is_legacy_under_abi_legacy);
	tcase_add_test(t, probe_is_cached_per_process);
	tcase_add_test(t, modern_abi);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(libion_suite)
