/*
 * tests/model/test_embed.c - the embedding API (ionsim/ionsim.h): boot
 * texts good and bad, processes and the thread's current one, every call's
 * errno as the system call it stands for, fd passing, fork and exit, and
 * memory really shared: bytes written through one simulated process's
 * mapping read back through another's, for a carveout buffer (one
 * physical run) and a system heap buffer (several).  The ION ioctls are
 * made raw here, with the kernel's structs; libion has its own suite.
 * Every test ends with a shutdown that must leave no kernel object.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ionsim/ionsim.h"
#include "ionsim/uapi/dma-heap.h"
#include "ionsim/uapi/ion.h"
#include "model/embed.h"
#include "testlib.h"

#define HEAP_SYSTEM_MASK (1u << 0)	/* default board ids */
#define HEAP_CARVEOUT_MASK (1u << 2)

/* A machine with one process, entered: what most tests start from. */
static struct ionsim *boot_one(const char *machine, int *pid)
{
	struct ionsim *sim = ionsim_boot(machine);

	ck_assert_ptr_nonnull(sim);
	*pid = ionsim_spawn(sim, "app");
	ck_assert_int_gt(*pid, 0);
	ck_assert_int_eq(ionsim_enter(sim, *pid), 0);
	return sim;
}

/* Shuts @sim down and fails the test if a kernel object outlived it. */
static void shutdown_clean(struct ionsim *sim)
{
	ionsim_shutdown(sim);
	ck_assert_uint_eq(kion_embed_last_leaks(), 0);
}

/* errno after a call that had to fail with -1. */
#define ck_assert_fails(call, err)                                      \
	do {                                                            \
		errno = 0;                                              \
		ck_assert_int_eq((call), -1);                           \
		ck_assert_int_eq(errno, (err));                         \
	} while (0)

/* Legacy ALLOC then SHARE with raw ioctls: the dma-buf fd; the handle in
 * *@handle. */
static int alloc_share(int ionfd, size_t len, unsigned int mask, int *handle)
{
	struct ion_allocation_data a = { .len = len, .heap_id_mask = mask };
	struct ion_fd_data s = { 0 };

	ck_assert_int_eq(ionsim_ioctl(ionfd, ION_IOC_ALLOC, &a), 0);
	ck_assert_int_gt(a.handle, 0);
	s.handle = a.handle;
	ck_assert_int_eq(ionsim_ioctl(ionfd, ION_IOC_SHARE, &s), 0);
	ck_assert_int_ge(s.fd, 3);
	*handle = a.handle;
	return s.fd;
}

/* Runs @fn with stderr going to a temporary file; returns what it wrote
 * (malloc'd). */
static char *capture_stderr(void (*fn)(void *), void *ctx)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *out = calloc(1, 4096);

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn(ctx);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	ck_assert_uint_lt(fread(out, 1, 4095, tmp), 4095);
	fclose(tmp);
	return out;
}

/* --- boot ---------------------------------------------------------- */

START_TEST(boot_null_is_the_default_board)
{
	struct ionsim *sim = ionsim_boot(NULL);
	int pid;

	ck_assert_ptr_nonnull(sim);
	ck_assert_uint_eq(sim->dev->nheaps, 5);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 0);
	pid = ionsim_spawn(sim, "app");
	ck_assert_int_eq(pid, 100);
	ck_assert_int_eq(ionsim_enter(sim, pid), 0);
	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDWR), 3);
	ck_assert_int_eq(ionsim_open("/dev/dma_heap/system", O_RDONLY), 4);
	ck_assert_int_eq(ionsim_open("/dev/dma_heap/cma", O_RDONLY), 5);
	shutdown_clean(sim);
	ck_assert_uint_eq(ionsim_live_buffers(NULL), 0);
	ionsim_shutdown(NULL);
}
END_TEST

struct boot_try {
	const char *text;
	struct ionsim *sim;
	int err;
};

static void try_boot(void *ctx)
{
	struct boot_try *t = ctx;

	errno = 0;
	t->sim = ionsim_boot(t->text);
	t->err = errno;
}

START_TEST(boot_bad_text_is_null_with_errors_on_stderr)
{
	struct boot_try t = {
		.text = "ram 64M\n"
			"abi sideways\n"
			"heap c type=carveout id=2 size=1M\n"
			"dmaheap cam heap=camera\n",
	};
	char *out = capture_stderr(try_boot, &t);

	ck_assert_ptr_null(t.sim);
	ck_assert_int_eq(t.err, EINVAL);
	ck_assert_str_eq(out, "<machine>:2:5: error: unknown ABI 'sideways' "
			      "(legacy or modern)\n");
	free(out);
	/* errors found once the whole text is read, at their own line */
	t.text = "dmaheap cam heap=camera\n";
	out = capture_stderr(try_boot, &t);
	ck_assert_ptr_null(t.sim);
	ck_assert_str_eq(out, "<machine>:1:18: error: dmaheap 'cam': no heap "
			      "named 'camera'\n");
	free(out);
}
END_TEST

START_TEST(boot_honours_the_machine_text)
{
	struct ionsim *sim;
	int pid;

	sim = boot_one("nofile 5\nheap sys type=system id=0\n"
		       "dmaheap sys heap=sys\n", &pid);
	ck_assert_uint_eq(sim->dev->nheaps, 1);
	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDWR), 3);
	ck_assert_int_eq(ionsim_open("/dev/dma_heap/sys", O_RDWR), 4);
	ck_assert_fails(ionsim_open("/dev/ion", O_RDWR), EMFILE);
	ck_assert_fails(ionsim_open("/dev/dma_heap/system", O_RDWR), ENOENT);
	shutdown_clean(sim);
}
END_TEST

/* --- processes ------------------------------------------------------- */

START_TEST(spawn_and_enter)
{
	struct ionsim *sim = ionsim_boot(NULL);

	ck_assert_int_eq(ionsim_spawn(sim, "first"), 100);
	ck_assert_int_eq(ionsim_spawn(sim, "a_name_longer_than_a_comm"), 101);
	ck_assert_fails(ionsim_spawn(NULL, "x"), EINVAL);
	ck_assert_fails(ionsim_spawn(sim, NULL), EINVAL);
	ck_assert_fails(ionsim_enter(NULL, 100), EINVAL);
	ck_assert_fails(ionsim_enter(sim, 99), ESRCH);
	ck_assert_int_eq(ionsim_enter(sim, 101), 0);
	ck_assert_str_eq(sim_proc_name(kion_embed_current_proc()),
			 "a_name_longer_t");
	ck_assert_ptr_eq(kion_embed_current_sim(), sim);
	shutdown_clean(sim);
	/* the machine is gone, and so is the thread's current process */
	ck_assert_ptr_null(kion_embed_current_sim());
	ck_assert_fails(ionsim_open("/dev/ion", O_RDWR), ESRCH);
}
END_TEST

/* Every call that acts as the current process, made with none. */
static void *calls_without_a_process(void *arg)
{
	int *failures = arg;
	char buf[8];

	*failures = 0;
	*failures += ionsim_open("/dev/ion", O_RDWR) == -1 && errno == ESRCH;
	*failures += ionsim_close(0) == -1 && errno == ESRCH;
	*failures += ionsim_dup(0) == -1 && errno == ESRCH;
	*failures += ionsim_ioctl(0, 0, NULL) == -1 && errno == ESRCH;
	*failures += ionsim_mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3, 0) ==
			     MAP_FAILED && errno == ESRCH;
	*failures += ionsim_munmap(buf, 4096) == -1 && errno == ESRCH;
	*failures += ionsim_send_fd(0, 100) == -1 && errno == ESRCH;
	*failures += ionsim_fork() == -1 && errno == ESRCH;
	*failures += ionsim_exit() == -1 && errno == ESRCH;
	return NULL;
}

START_TEST(no_current_process_is_esrch_per_thread)
{
	pthread_t thread;
	int pid, failures = -1;
	struct ionsim *sim = boot_one(NULL, &pid);

	/* this thread has entered a process; a new thread has none */
	ck_assert_int_eq(pthread_create(&thread, NULL, calls_without_a_process,
					&failures), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(failures, 9);
	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDWR), 3);
	shutdown_clean(sim);
}
END_TEST

/* A thread of its own with a machine of its own: the current process is
 * per thread, so both can run at once. */
static void *own_machine(void *arg)
{
	int *result = arg, pid;
	struct ionsim *sim = ionsim_boot("heap sys type=system id=0\n");

	pid = ionsim_spawn(sim, "worker");
	ionsim_enter(sim, pid);
	*result = ionsim_open("/dev/ion", O_RDWR);
	ionsim_shutdown(sim);
	if (kion_embed_last_leaks())
		*result = -2;
	return NULL;
}

START_TEST(threads_drive_machines_of_their_own)
{
	pthread_t thread;
	int pid, result = -1;
	struct ionsim *sim = boot_one(NULL, &pid);

	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDWR), 3);
	ck_assert_int_eq(pthread_create(&thread, NULL, own_machine, &result), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(result, 3);
	ck_assert_ptr_eq(kion_embed_current_sim(), sim);
	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDWR), 4);
	shutdown_clean(sim);
}
END_TEST

/* --- files ------------------------------------------------------------ */

START_TEST(stdio_fds_are_a_terminal)
{
	struct ion_handle_data h = { 0 };
	int pid;
	struct ionsim *sim = boot_one(NULL, &pid);

	for (int fd = 0; fd < 3; fd++) {
		ck_assert_fails(ionsim_ioctl(fd, ION_IOC_FREE, &h), ENOTTY);
		ck_assert_fails(ionsim_ioctl(fd, 0, NULL), ENOTTY);
	}
	/* the terminal cannot be mapped either */
	ck_assert_ptr_eq(ionsim_mmap(NULL, 4096, PROT_READ, MAP_SHARED, 0, 0),
			 MAP_FAILED);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDWR), 3);
	shutdown_clean(sim);
}
END_TEST

START_TEST(open_paths)
{
	int pid;
	struct ionsim *sim = boot_one(NULL, &pid);

	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDONLY | O_CLOEXEC), 3);
	ck_assert_int_eq(ionsim_open("/dev/dma_heap/cma", O_RDWR), 4);
	ck_assert_int_eq(ionsim_open("/dev/ion-test", O_RDWR), 5);
	ck_assert_fails(ionsim_open("/dev/dma_heap/carveout", O_RDWR), ENOENT);
	ck_assert_fails(ionsim_open("/dev/dma_heap/", O_RDWR), ENOENT);
	ck_assert_fails(ionsim_open("/dev/dma_heap/system/x", O_RDWR), ENOENT);
	ck_assert_fails(ionsim_open("/dev/dma_heap", O_RDWR), ENOENT);
	ck_assert_fails(ionsim_open("/dev/null", O_RDWR), ENOENT);
	ck_assert_fails(ionsim_open("/dev/ion2", O_RDWR), ENOENT);
	ck_assert_fails(ionsim_open("dev/ion", O_RDWR), ENOENT);
	ck_assert_fails(ionsim_open(NULL, O_RDWR), EFAULT);
	/* a failed open takes no fd number */
	ck_assert_int_eq(ionsim_open("/dev/ion", O_RDWR), 6);
	shutdown_clean(sim);
}
END_TEST

START_TEST(dma_heap_node_allocates)
{
	struct dma_heap_allocation_data a = {
		.len = 8192,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int pid, heapfd;
	struct ionsim *sim = boot_one(NULL, &pid);
	char *p;

	heapfd = ionsim_open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(ionsim_ioctl(heapfd, DMA_HEAP_IOCTL_ALLOC, &a), 0);
	ck_assert_int_eq(a.fd, heapfd + 1);
	p = ionsim_mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED,
			(int)a.fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	strcpy(p + 4096, "through a DMA-BUF heap");
	ck_assert_str_eq(p + 4096, "through a DMA-BUF heap");
	ck_assert_int_eq(ionsim_munmap(p, 8192), 0);
	ck_assert_int_eq(ionsim_close((int)a.fd), 0);
	shutdown_clean(sim);
}
END_TEST

START_TEST(close_and_dup)
{
	int pid, ionfd, copy, handle, buf;
	struct ionsim *sim = boot_one(NULL, &pid);

	ionfd = ionsim_open("/dev/ion", O_RDWR);
	ck_assert_fails(ionsim_close(-1), EBADF);
	ck_assert_fails(ionsim_close(99), EBADF);
	ck_assert_fails(ionsim_dup(99), EBADF);
	ck_assert_fails(ionsim_dup(-1), EBADF);
	/* a dup shares the client: its handles work through either fd */
	copy = ionsim_dup(ionfd);
	ck_assert_int_eq(copy, ionfd + 1);
	buf = alloc_share(ionfd, 4096, HEAP_SYSTEM_MASK, &handle);
	ck_assert_int_eq(ionsim_close(ionfd), 0);
	ck_assert_fails(ionsim_close(ionfd), EBADF);
	ck_assert_int_eq(ionsim_ioctl(copy, ION_IOC_FREE,
				      &(struct ion_handle_data){ handle }), 0);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 1);	/* buf holds it */
	ck_assert_int_eq(ionsim_close(buf), 0);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 0);
	/* the lowest free number comes back */
	ck_assert_int_eq(ionsim_dup(copy), ionfd);
	shutdown_clean(sim);
}
END_TEST

/* Read-only memory (.rodata): the kernel's copy back must fault. */
static const struct ion_fd_data share_ro = { .handle = 1 };

START_TEST(ioctl_errors)
{
	struct ion_allocation_data a = { .len = 4096,
					 .heap_id_mask = HEAP_SYSTEM_MASK };
	int pid, ionfd;
	struct ionsim *sim = boot_one(NULL, &pid);

	ionfd = ionsim_open("/dev/ion", O_RDWR);
	ck_assert_fails(ionsim_ioctl(42, ION_IOC_ALLOC, &a), EBADF);
	ck_assert_fails(ionsim_ioctl(-1, ION_IOC_ALLOC, &a), EBADF);
	/* Linux 4.9 copies the argument in first: a bad pointer is EFAULT */
	ck_assert_fails(ionsim_ioctl(ionfd, ION_IOC_ALLOC, NULL), EFAULT);
	ck_assert_fails(ionsim_ioctl(ionfd, ION_IOC_ALLOC, (void *)16), EFAULT);
	/* an unknown command is ENOTTY (its size fits the union) */
	ck_assert_fails(ionsim_ioctl(ionfd, _IO('I', 0x55), NULL), ENOTTY);
	ck_assert_int_eq(ionsim_ioctl(ionfd, ION_IOC_ALLOC, &a), 0);
	ck_assert_int_eq(a.handle, 1);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 1);
	/* SHARE of handle 1 works, but its result cannot be copied back
	 * into read-only memory */
	ck_assert_fails(ionsim_ioctl(ionfd, ION_IOC_SHARE, (void *)&share_ro),
			EFAULT);
	shutdown_clean(sim);
}
END_TEST

/* --- mappings --------------------------------------------------------- */

START_TEST(mmap_and_munmap_with_host_flags)
{
	int pid, ionfd, handle, fd;
	struct ionsim *sim = boot_one(NULL, &pid);
	char *p, *q;

	ionfd = ionsim_open("/dev/ion", O_RDWR);
	fd = alloc_share(ionfd, 8192, HEAP_SYSTEM_MASK, &handle);
	p = ionsim_mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	strcpy(p + 4096, "second page");
	q = ionsim_mmap((void *)0x1000, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	ck_assert_ptr_ne(q, MAP_FAILED);
	ck_assert_str_eq(q, "second page");
	ck_assert_int_eq(ionsim_munmap(q, 4096), 0);
	ck_assert_fails(ionsim_munmap(q, 4096), EINVAL);
	ck_assert_fails(ionsim_munmap(p, 4096), EINVAL);	/* not whole */
	ck_assert_fails(ionsim_munmap(p + 4096, 4096), EINVAL);
	/* the mapping holds the buffer after every fd and handle is gone */
	ck_assert_int_eq(ionsim_close(fd), 0);
	ck_assert_int_eq(ionsim_close(ionfd), 0);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 1);
	ck_assert_str_eq(p + 4096, "second page");
	ck_assert_int_eq(ionsim_munmap(p, 8000), 0);	/* rounded up */
	ck_assert_uint_eq(ionsim_live_buffers(sim), 0);
	shutdown_clean(sim);
}
END_TEST

START_TEST(mmap_errors)
{
	int pid, ionfd, handle, fd;
	struct ionsim *sim = boot_one(NULL, &pid);

	ionfd = ionsim_open("/dev/ion", O_RDWR);
	fd = alloc_share(ionfd, 8192, HEAP_SYSTEM_MASK, &handle);
#define ck_mmap_fails(len, prot, flags, f, off, err)                          \
	do {                                                                   \
		errno = 0;                                                     \
		ck_assert_ptr_eq(ionsim_mmap(NULL, len, prot, flags, f, off),  \
				 MAP_FAILED);                                  \
		ck_assert_int_eq(errno, err);                                  \
	} while (0)
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED, 77, 0, EBADF);
	ck_mmap_fails(0, PROT_READ, MAP_SHARED, fd, 0, EINVAL);
	ck_mmap_fails(4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0, EINVAL);
	ck_mmap_fails(4096, -1, MAP_SHARED, fd, 0, EINVAL);
	ck_mmap_fails(4096, PROT_READ, 0, fd, 0, EINVAL);
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0, EINVAL);
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, fd, 0, EINVAL);
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED, fd, 0,
		      EOPNOTSUPP);
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED, fd, -4096, EINVAL);
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED, fd, 100, EINVAL);
	/* Linux 4.9's dma-buf mmap: the range must lie inside the buffer */
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED, fd, 8192, EINVAL);
	ck_mmap_fails(3 * 4096, PROT_READ, MAP_SHARED, fd, 0, EINVAL);
	/* /dev/ion itself has no mmap */
	ck_mmap_fails(4096, PROT_READ, MAP_SHARED, ionfd, 0, ENODEV);
#undef ck_mmap_fails
	ck_assert_ptr_ne(ionsim_mmap(NULL, 4096, PROT_NONE,
				     MAP_SHARED_VALIDATE, fd, 4096), MAP_FAILED);
	shutdown_clean(sim);
}
END_TEST

/* --- between processes ------------------------------------------------- */

START_TEST(send_fd_to_another_process)
{
	int a, b, ionfd, handle, fd, got;
	struct ionsim *sim = boot_one(NULL, &a);

	b = ionsim_spawn(sim, "b");
	ionfd = ionsim_open("/dev/ion", O_RDWR);
	fd = alloc_share(ionfd, 4096, HEAP_CARVEOUT_MASK, &handle);
	got = ionsim_send_fd(fd, b);
	ck_assert_int_eq(got, 3);	/* b's lowest free fd */
	ck_assert_fails(ionsim_send_fd(fd, 4242), ESRCH);
	ck_assert_fails(ionsim_send_fd(99, b), EBADF);
	/* the sender lets go; the receiver's fd keeps the buffer */
	ck_assert_int_eq(ionsim_exit(), 0);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 1);
	ck_assert_int_eq(ionsim_enter(sim, b), 0);
	ck_assert_fails(ionsim_send_fd(got, a), ESRCH);	/* a is dead */
	ck_assert_int_eq(ionsim_close(got), 0);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 0);
	shutdown_clean(sim);
}
END_TEST

START_TEST(fork_returns_the_child_with_inherited_fds)
{
	int parent, child, ionfd, handle, fd;
	struct ionsim *sim = boot_one(NULL, &parent);
	char *p;

	ionfd = ionsim_open("/dev/ion", O_RDWR);
	fd = alloc_share(ionfd, 4096, HEAP_SYSTEM_MASK, &handle);
	p = ionsim_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	strcpy(p, "from the parent");
	child = ionsim_fork();
	ck_assert_int_gt(child, parent);
	ck_assert_ptr_eq(kion_embed_current_proc(),
			 sim_proc_find(sim->m, parent));
	ck_assert_int_eq(ionsim_enter(sim, child), 0);
	/* same fd numbers, same files: the parent's client and dma-buf */
	ck_assert_int_eq(ionsim_dup(0), fd + 1);
	ck_assert_int_eq(ionsim_ioctl(ionfd, ION_IOC_FREE,
				      &(struct ion_handle_data){ handle }), 0);
	p = ionsim_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_str_eq(p, "from the parent");
	ck_assert_int_eq(ionsim_exit(), 0);
	/* the parent still has its fd and mapping */
	ck_assert_int_eq(ionsim_enter(sim, parent), 0);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 1);
	ck_assert_fails(ionsim_ioctl(ionfd, ION_IOC_FREE,
				     &(struct ion_handle_data){ handle }), EINVAL);
	shutdown_clean(sim);
}
END_TEST

START_TEST(exit_then_every_call_is_esrch)
{
	int pid, ionfd, handle, fd;
	struct ionsim *sim = boot_one(NULL, &pid);
	char *p;

	ionfd = ionsim_open("/dev/ion", O_RDWR);
	fd = alloc_share(ionfd, 4096, HEAP_CARVEOUT_MASK, &handle);
	p = ionsim_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_uint_eq(ionsim_live_buffers(sim), 1);
	ck_assert_int_eq(ionsim_exit(), 0);
	/* exit dropped the mapping, the dma-buf fd and the client */
	ck_assert_uint_eq(ionsim_live_buffers(sim), 0);
	ck_assert_fails(ionsim_open("/dev/ion", O_RDWR), ESRCH);
	ck_assert_fails(ionsim_close(ionfd), ESRCH);
	ck_assert_fails(ionsim_dup(ionfd), ESRCH);
	ck_assert_fails(ionsim_ioctl(ionfd, ION_IOC_FREE, &handle), ESRCH);
	ck_assert_ptr_eq(ionsim_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0),
			 MAP_FAILED);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_fails(ionsim_munmap(p, 4096), ESRCH);
	ck_assert_fails(ionsim_send_fd(fd, pid), ESRCH);
	ck_assert_fails(ionsim_fork(), ESRCH);
	ck_assert_fails(ionsim_exit(), ESRCH);
	ck_assert_fails(ionsim_enter(sim, pid), ESRCH);
	shutdown_clean(sim);
}
END_TEST

/* One buffer, two processes, two mappings: what one writes the other
 * reads, across every physical run of the buffer. */
static void check_shared_memory(unsigned int mask, size_t len,
				bool contiguous)
{
	int a, b, ionfd, handle, fd, fd_b;
	struct ionsim *sim = boot_one(NULL, &a);
	const struct kion_dmabuf *db;
	unsigned char *pa, *pb;

	b = ionsim_spawn(sim, "reader");
	ionfd = ionsim_open("/dev/ion", O_RDWR);
	/* On a fresh machine the buddy hands out neighbouring blocks; a
	 * page taken first splits the low blocks, so that the system heap's
	 * 1M, 64K and 4K blocks come from three different places. */
	if (!contiguous)
		alloc_share(ionfd, 4096, mask, &handle);
	fd = alloc_share(ionfd, len, mask, &handle);
	db = kion_dmabuf_from_file(sim_fd_peek(kion_embed_current_proc(), fd));
	ck_assert_ptr_nonnull(db);
	ck_assert(heap_buffer_contiguous(&db->buffer->hb) == contiguous);
	ck_assert_uint_eq(db->buffer->hb.nruns > 1, !contiguous);
	pa = ionsim_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(pa, MAP_FAILED);
	for (size_t i = 0; i < len; i += 4096)
		pa[i] = pa[i + 4095] = (unsigned char)(i >> 12);
	fd_b = ionsim_send_fd(fd, b);
	ck_assert_int_eq(ionsim_enter(sim, b), 0);
	pb = ionsim_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_b, 0);
	ck_assert_ptr_ne(pb, MAP_FAILED);
	ck_assert_ptr_ne(pa, pb);
	for (size_t i = 0; i < len; i += 4096) {
		ck_assert_uint_eq(pb[i], (unsigned char)(i >> 12));
		ck_assert_uint_eq(pb[i + 4095], (unsigned char)(i >> 12));
	}
	strcpy((char *)pb + len - 64, "written by the reader");
	ck_assert_int_eq(ionsim_enter(sim, a), 0);
	ck_assert_str_eq((char *)pa + len - 64, "written by the reader");
	shutdown_clean(sim);
}

START_TEST(processes_share_carveout_memory)
{
	check_shared_memory(HEAP_CARVEOUT_MASK, 256 << 10, true);
}
END_TEST

START_TEST(processes_share_system_heap_memory)
{
	/* 1M + 64K + 4K: one block of each of the system heap's orders */
	check_shared_memory(HEAP_SYSTEM_MASK, (1 << 20) + (64 << 10) + 4096,
			    false);
}
END_TEST

/* --- looking inside ----------------------------------------------------- */

/* The text ionsim_debugfs prints for @path (malloc'd), its result in
 * *@ret. */
static char *debugfs_text(struct ionsim *sim, const char *path, int *ret)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	*ret = ionsim_debugfs(sim, path, f);
	fclose(f);
	return out;
}

START_TEST(audit_and_debugfs)
{
	int pid, ionfd, handle, fd, ret;
	struct ionsim *sim = boot_one(NULL, &pid);
	char *text;

	ck_assert_fails(ionsim_audit(NULL, NULL), EINVAL);
	ck_assert_fails(ionsim_debugfs(NULL, "/sys/kernel/debug/dma_buf/bufinfo",
				       stdout), EINVAL);
	ck_assert_fails(ionsim_debugfs(sim, NULL, stdout), EINVAL);
	ck_assert_fails(ionsim_debugfs(sim, "/sys/kernel/debug/dma_buf/bufinfo",
				       NULL), EINVAL);
	ionfd = ionsim_open("/dev/ion", O_RDWR);
	fd = alloc_share(ionfd, 4096, HEAP_CARVEOUT_MASK, &handle);
	ck_assert_int_eq(ionsim_audit(sim, NULL), 0);
	/* the client's dma-buf appears where Linux lists dma-bufs */
	text = debugfs_text(sim, "/sys/kernel/debug/dma_buf/bufinfo", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(strstr(text, "Total 1 objects, 4096 bytes"));
	free(text);
	/* and its client (named after the process) on its heap's page */
	text = debugfs_text(sim, "/sys/kernel/debug/ion/heaps/carveout", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(strstr(text, "app"));
	free(text);
	text = debugfs_text(sim, "/sys/kernel/debug/no/such/file", &ret);
	ck_assert_int_eq(ret, -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_eq(ionsim_close(fd), 0);
	ck_assert_int_eq(ionsim_audit(sim, NULL), 0);
	shutdown_clean(sim);
}
END_TEST

static Suite *embed_suite(void)
{
	Suite *s = suite_create("model-embed");
	TCase *t = tcase_create("machine");

	tcase_add_test(t, boot_null_is_the_default_board);
	tcase_add_test(t, boot_bad_text_is_null_with_errors_on_stderr);
	tcase_add_test(t, boot_honours_the_machine_text);
	tcase_add_test(t, spawn_and_enter);
	tcase_add_test(t, no_current_process_is_esrch_per_thread);
	tcase_add_test(t, threads_drive_machines_of_their_own);
	suite_add_tcase(s, t);
	t = tcase_create("files");
	tcase_add_test(t, stdio_fds_are_a_terminal);
	tcase_add_test(t, open_paths);
	tcase_add_test(t, dma_heap_node_allocates);
	tcase_add_test(t, close_and_dup);
	tcase_add_test(t, ioctl_errors);
	tcase_add_test(t, mmap_and_munmap_with_host_flags);
	tcase_add_test(t, mmap_errors);
	suite_add_tcase(s, t);
	t = tcase_create("processes");
	tcase_add_test(t, send_fd_to_another_process);
	tcase_add_test(t, fork_returns_the_child_with_inherited_fds);
	tcase_add_test(t, exit_then_every_call_is_esrch);
	tcase_add_test(t, processes_share_carveout_memory);
	tcase_add_test(t, processes_share_system_heap_memory);
	tcase_add_test(t, audit_and_debugfs);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(embed_suite)
