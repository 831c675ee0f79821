/*
 * tests/sim/test_vma.c - mappings: real shared pages between mappings and
 * across fork, the file reference a mapping holds, mmap's and munmap's
 * errors, user addresses, exit's unmap-then-close order, and error paths
 * that must leave nothing behind.
 *
 * The test driver, "scratch", maps pages of a reserved region of the
 * machine, one file per window of the region.
 */
#include <errno.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "testlib.h"

#define SCRATCH_SIZE (1ULL << 20)
#define UADDR_FIRST 0x7f0000000000ULL

/* --- the scratch driver --------------------------------------------- */

enum event_kind { EV_OPEN, EV_CLOSE, EV_RELEASE };

/* What the driver saw, in order: events name a file by inode. */
struct event_log {
	struct {
		enum event_kind kind;
		uint64_t ino;
	} ev[32];
	int n;
};

/* What one scratch file maps: its pages, as runs of the region. */
struct scratch {
	struct sim_run runs[4];
	unsigned int nruns;
	uint64_t skip;		/* bytes of the runs before file offset 0 */
	struct event_log *log;
	int fail_mmap;		/* the mmap op returns this when non-zero */
	bool lazy;		/* the mmap op maps nothing (pages on fault) */
};

static void log_event(struct event_log *log, enum event_kind kind,
		      uint64_t ino)
{
	log->ev[log->n].kind = kind;
	log->ev[log->n].ino = ino;
	log->n++;
}

static void scratch_vm_open(struct sim_vma *vma)
{
	struct scratch *s = vma->vm_private_data;

	log_event(s->log, EV_OPEN, vma->file->ino);
}

static void scratch_vm_close(struct sim_vma *vma)
{
	struct scratch *s = vma->vm_private_data;

	log_event(s->log, EV_CLOSE, vma->file->ino);
}

static const struct sim_vm_ops scratch_vm_ops = {
	.open = scratch_vm_open,
	.close = scratch_vm_close,
};

static int scratch_mmap(struct sim_file *f, struct sim_vma *vma)
{
	struct scratch *s = f->private_data;

	if (s->fail_mmap)
		return s->fail_mmap;
	vma->vm_ops = &scratch_vm_ops;
	vma->vm_private_data = s;
	if (s->lazy)
		return 0;
	return sim_vma_map_runs(vma, s->runs, s->nruns,
				s->skip + (vma->pgoff << SIM_PAGE_SHIFT));
}

static void scratch_release(struct sim_file *f)
{
	struct scratch *s = f->private_data;

	log_event(s->log, EV_RELEASE, f->ino);
}

static const struct sim_file_ops scratch_ops = {
	.kind = "scratch",
	.release = scratch_release,
	.mmap = scratch_mmap,
};

/* --- helpers -------------------------------------------------------- */

static struct sim_machine *boot_scratch(void)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	ck_assert_int_ge(sim_config_add_region(&cfg, "scratch",
					       SIM_REGION_RESERVED, false, 0,
					       SCRATCH_SIZE), 0);
	return test_boot(&cfg);
}

/* @s set to one run: @pages pages of the scratch region from page
 * @first. */
static void scratch_window(struct sim_machine *m, struct scratch *s,
			   struct event_log *log, uint64_t first,
			   uint64_t pages)
{
	const struct sim_region *r =
		sim_region_get(m, (unsigned int)sim_region_find(m, "scratch"));

	memset(s, 0, sizeof(*s));
	s->runs[0].phys = r->base + first * SIM_PAGE_SIZE;
	s->runs[0].len = pages * SIM_PAGE_SIZE;
	s->nruns = 1;
	s->log = log;
}

/* A scratch file on @s installed in @p with @f_mode; returns the fd. */
static int open_scratch(struct sim_proc *p, struct scratch *s,
			unsigned int f_mode)
{
	struct sim_file *f = sim_file_new(sim_proc_machine(p), &scratch_ops,
					  s, SIM_O_RDWR, f_mode, NULL);
	int fd;

	ck_assert_ptr_nonnull(f);
	fd = sim_fd_install(p, f, 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static struct sim_proc *spawn(struct sim_machine *m, const char *name)
{
	struct sim_proc *p = sim_proc_spawn(m, name, 0, NULL);

	ck_assert_ptr_nonnull(p);
	return p;
}

static struct sim_vma *map(struct sim_proc *p, int fd, uint64_t len,
			   uint64_t offset)
{
	struct sim_vma *vma = NULL;
	int ret = sim_mmap(p, fd, len, SIM_PROT_READ | SIM_PROT_WRITE,
			   SIM_MAP_SHARED, offset, &vma);

	ck_assert_msg(ret == 0, "mmap failed: %d", ret);
	ck_assert_ptr_nonnull(vma);
	return vma;
}

/* Tear the process table down first, so that zombies are gone too, and
 * fail if any kernel object outlived it. */
#define RW (SIM_PROT_READ | SIM_PROT_WRITE)

/* --- sharing -------------------------------------------------------- */

START_TEST(two_mappings_see_each_others_writes)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *a = spawn(m, "producer");
	struct sim_proc *b = spawn(m, "consumer");
	struct sim_vma *va, *vb;
	char buf[16] = "";
	int fd;

	scratch_window(m, &s, &log, 0, 4);
	fd = open_scratch(a, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	va = map(a, fd, 4 * SIM_PAGE_SIZE, 0);
	vb = map(b, sim_fd_send(a, fd, b), 4 * SIM_PAGE_SIZE, 0);
	ck_assert_ptr_ne(va->host, vb->host);
	ck_assert_uint_eq(va->mapped, va->len);
	strcpy((char *)va->host + 3 * SIM_PAGE_SIZE, "zero copy");
	ck_assert_str_eq((char *)vb->host + 3 * SIM_PAGE_SIZE, "zero copy");
	strcpy((char *)vb->host, "back");
	ck_assert_str_eq((char *)va->host, "back");
	/* The pages are the region's physical pages. */
	ck_assert_int_eq(sim_phys_read(m, s.runs[0].phys + 3 * SIM_PAGE_SIZE, buf,
				       10), 0);
	ck_assert_str_eq(buf, "zero copy");
	test_shutdown(m);
}
END_TEST

START_TEST(offset_selects_the_file_pages)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma;
	int fd;

	scratch_window(m, &s, &log, 8, 4);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	ck_assert_int_eq(sim_phys_write(m, s.runs[0].phys + 2 * SIM_PAGE_SIZE,
					"page two", 9), 0);
	vma = map(p, fd, SIM_PAGE_SIZE, 2 * SIM_PAGE_SIZE);
	ck_assert_uint_eq(vma->pgoff, 2);
	ck_assert_str_eq((char *)vma->host, "page two");
	/* Past the end of the file's pages: the driver's -EINVAL. */
	ck_assert_int_eq(sim_mmap(p, fd, 2 * SIM_PAGE_SIZE, RW, SIM_MAP_SHARED,
				  3 * SIM_PAGE_SIZE, &vma), -EINVAL);
	ck_assert_uint_eq(sim_vma_count(p), 1);
	test_shutdown(m);
}
END_TEST

START_TEST(private_mappings_share_the_pages_too)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *shared, *priv = NULL;
	int fd;

	scratch_window(m, &s, &log, 0, 1);
	fd = open_scratch(p, &s, SIM_FMODE_READ);
	/* A read-only file may be mapped writable privately. */
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, RW, SIM_MAP_PRIVATE, 0,
				  &priv), 0);
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, SIM_PROT_READ,
				  SIM_MAP_SHARED, 0, &shared), 0);
	ck_assert_int_eq(priv->flags, SIM_MAP_PRIVATE);
	strcpy(priv->host, "no cow");	/* documented: no copy-on-write */
	ck_assert_str_eq(shared->host, "no cow");
	test_shutdown(m);
}
END_TEST

/* --- references ----------------------------------------------------- */

START_TEST(mapping_keeps_the_file_alive_after_close)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma;
	struct sim_file *f;
	int fd;

	scratch_window(m, &s, &log, 0, 2);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	f = sim_fd_peek(p, fd);
	vma = map(p, fd, 2 * SIM_PAGE_SIZE, 0);
	ck_assert_ptr_eq(vma->file, f);
	ck_assert_ptr_eq(vma->proc, p);
	ck_assert_uint_eq(f->count, 2);
	ck_assert_int_eq(sim_fd_close(p, fd), 0);
	ck_assert_int_eq(log.n, 0);
	ck_assert_uint_eq(f->count, 1);
	strcpy(vma->host, "still here");
	ck_assert_int_eq(sim_munmap(p, vma->host, 2 * SIM_PAGE_SIZE), 0);
	ck_assert_int_eq(log.n, 2);
	ck_assert_int_eq(log.ev[0].kind, EV_CLOSE);
	ck_assert_int_eq(log.ev[1].kind, EV_RELEASE);
	ck_assert_uint_eq(sim_vma_count(p), 0);
	test_shutdown(m);
}
END_TEST

/* --- errors --------------------------------------------------------- */

START_TEST(mmap_errors_in_linux_order)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma = NULL;
	unsigned long live;
	int rw, ro, wo;

	scratch_window(m, &s, &log, 0, 4);
	rw = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	ro = open_scratch(p, &s, SIM_FMODE_READ);
	wo = open_scratch(p, &s, SIM_FMODE_WRITE);
	live = sim_kobj_live(m);
	ck_assert_int_eq(sim_mmap(p, 99, 4096, RW, SIM_MAP_SHARED, 0, &vma),
			 -EBADF);
	ck_assert_int_eq(sim_mmap(p, 99, 4096, RW, SIM_MAP_SHARED, 100, &vma),
			 -EINVAL);	/* the offset is checked before the fd */
	ck_assert_int_eq(sim_mmap(p, rw, 0, RW, SIM_MAP_SHARED, 0, &vma),
			 -EINVAL);
	ck_assert_int_eq(sim_mmap(p, rw, 4096, RW, 0, 0, &vma), -EINVAL);
	ck_assert_int_eq(sim_mmap(p, rw, 4096, RW,
				  SIM_MAP_SHARED | SIM_MAP_PRIVATE, 0, &vma),
			 -EINVAL);
	ck_assert_int_eq(sim_mmap(p, rw, 4096, RW, 0x10, 0, &vma), -EINVAL);
	ck_assert_int_eq(sim_mmap(p, rw, UINT64_MAX, RW, SIM_MAP_SHARED, 0,
				  &vma), -ENOMEM);
	/* Past the 47-bit user address space: checked before the host. */
	ck_assert_int_eq(sim_mmap(p, rw, 1ULL << 47, RW, SIM_MAP_SHARED, 0,
				  &vma), -ENOMEM);
	ck_assert_int_eq(sim_mmap(p, ro, 4096, RW, SIM_MAP_SHARED, 0, &vma),
			 -EACCES);
	ck_assert_int_eq(sim_mmap(p, wo, 4096, SIM_PROT_WRITE, SIM_MAP_SHARED,
				  0, &vma), -EACCES);
	ck_assert_int_eq(sim_mmap(p, wo, 4096, RW, SIM_MAP_PRIVATE, 0, &vma),
			 -EACCES);
	ck_assert_int_eq(sim_mmap(p, 0, 4096, SIM_PROT_READ, SIM_MAP_SHARED,
				  0, &vma), -ENODEV);	/* the tty */
	ck_assert_ptr_null(vma);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	ck_assert_uint_eq(sim_fd_peek(p, rw)->count, 1);
	ck_assert_uint_eq(sim_vma_count(p), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(failed_mmap_op_leaves_nothing)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma = NULL;
	unsigned long live;
	int fd;

	scratch_window(m, &s, &log, 0, 4);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	live = sim_kobj_live(m);
	s.fail_mmap = -EIO;
	ck_assert_int_eq(sim_mmap(p, fd, 4096, RW, SIM_MAP_SHARED, 0, &vma),
			 -EIO);
	s.fail_mmap = 0;
	/* Each allocation in turn: the vma, then the runs it keeps. */
	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_int_eq(sim_mmap(p, fd, 4096, RW, SIM_MAP_SHARED, 0, &vma),
			 -ENOMEM);
	sim_fault_arm(m, SIM_FAULT_KOBJ, 2);
	ck_assert_int_eq(sim_mmap(p, fd, 4096, RW, SIM_MAP_SHARED, 0, &vma),
			 -ENOMEM);
	ck_assert_ptr_null(vma);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	ck_assert_uint_eq(sim_fd_peek(p, fd)->count, 1);
	ck_assert_uint_eq(sim_vma_count(p), 0);
	ck_assert_int_eq(log.n, 0);	/* no close for a mapping never made */
	/* And the user address was not used up. */
	ck_assert_uint_eq(map(p, fd, 4096, 0)->uaddr, UADDR_FIRST);
	test_shutdown(m);
}
END_TEST

START_TEST(map_runs_rejects_bad_runs)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma;
	unsigned long live;
	int fd;

	scratch_window(m, &s, &log, 0, 4);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	vma = map(p, fd, 2 * SIM_PAGE_SIZE, 0);
	/* A full mapping has nothing left to map. */
	ck_assert_int_eq(sim_vma_map_runs(vma, s.runs, 1, 0), 0);
	live = sim_kobj_live(m);
	s.skip = 100;
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, RW, SIM_MAP_SHARED, 0,
				  &vma), -EINVAL);
	s.skip = 0;
	s.runs[0].len = 100;
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, RW, SIM_MAP_SHARED, 0,
				  &vma), -EINVAL);
	s.runs[0].len = 4 * SIM_PAGE_SIZE;
	s.runs[0].phys += 100;
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, RW, SIM_MAP_SHARED, 0,
				  &vma), -EINVAL);
	s.runs[0].phys -= 100;
	/* one page left after the offset, two wanted */
	ck_assert_int_eq(sim_mmap(p, fd, 2 * SIM_PAGE_SIZE, RW, SIM_MAP_SHARED,
				  3 * SIM_PAGE_SIZE, &vma), -EINVAL);
	s.runs[0].phys = 1ULL << 46;	/* not memory */
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, RW, SIM_MAP_SHARED, 0,
				  &vma), -EINVAL);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	ck_assert_uint_eq(sim_vma_count(p), 1);
	test_shutdown(m);
}
END_TEST

START_TEST(map_runs_joins_runs_and_skips_empty_ones)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma;
	char buf[3] = "";
	uint64_t base;
	int fd;

	scratch_window(m, &s, &log, 0, 8);
	base = s.runs[0].phys;
	sim_phys_write(m, base + 5 * SIM_PAGE_SIZE, "p5", 3);
	sim_phys_write(m, base + 1 * SIM_PAGE_SIZE, "p1", 3);
	sim_phys_write(m, base + 7 * SIM_PAGE_SIZE, "p7", 3);
	/* [p4 p5] [] [p1] [p7]: from file offset one page, p5 p1 p7 */
	s.runs[0] = (struct sim_run){ base + 4 * SIM_PAGE_SIZE,
				      2 * SIM_PAGE_SIZE };
	s.runs[1] = (struct sim_run){ base, 0 };
	s.runs[2] = (struct sim_run){ base + 1 * SIM_PAGE_SIZE, SIM_PAGE_SIZE };
	s.runs[3] = (struct sim_run){ base + 7 * SIM_PAGE_SIZE, SIM_PAGE_SIZE };
	s.nruns = 4;
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	vma = map(p, fd, 3 * SIM_PAGE_SIZE, SIM_PAGE_SIZE);
	ck_assert_str_eq((char *)vma->host, "p5");
	ck_assert_str_eq((char *)vma->host + SIM_PAGE_SIZE, "p1");
	ck_assert_str_eq((char *)vma->host + 2 * SIM_PAGE_SIZE, "p7");
	/* from two pages on, the first run is skipped whole */
	ck_assert_str_eq((char *)map(p, fd, 2 * SIM_PAGE_SIZE,
				     2 * SIM_PAGE_SIZE)->host, "p1");
	/* fork maps exactly those pages again */
	vma = sim_vma_find_uaddr(sim_proc_fork(p, NULL), vma->uaddr);
	ck_assert_str_eq((char *)vma->host + 2 * SIM_PAGE_SIZE, "p7");
	ck_assert_str_eq((char *)vma->host + SIM_PAGE_SIZE, "p1");
	/* a mapping that ends inside the first run keeps only that run */
	vma = map(p, fd, SIM_PAGE_SIZE, 0);
	ck_assert_str_eq((char *)vma->host, "");
	vma = sim_vma_find_uaddr(sim_proc_fork(p, NULL), vma->uaddr);
	strcpy(vma->host, "p4");
	ck_assert_int_eq(sim_phys_read(m, base + 4 * SIM_PAGE_SIZE, buf, 3), 0);
	ck_assert_str_eq(buf, "p4");
	test_shutdown(m);
}
END_TEST

START_TEST(munmap_needs_one_whole_mapping)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma;
	char *host;
	int fd;

	scratch_window(m, &s, &log, 0, 4);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	vma = map(p, fd, 3 * SIM_PAGE_SIZE, 0);
	host = vma->host;
	ck_assert_int_eq(sim_munmap(p, host, 2 * SIM_PAGE_SIZE), -EINVAL);
	ck_assert_int_eq(sim_munmap(p, host, 4 * SIM_PAGE_SIZE), -EINVAL);
	ck_assert_int_eq(sim_munmap(p, host, 0), -EINVAL);
	ck_assert_int_eq(sim_munmap(p, host, UINT64_MAX), -EINVAL);
	ck_assert_int_eq(sim_munmap(p, host + SIM_PAGE_SIZE,
				    2 * SIM_PAGE_SIZE), -EINVAL);
	ck_assert_int_eq(sim_munmap(p, host + 3 * SIM_PAGE_SIZE,
				    SIM_PAGE_SIZE), -EINVAL);
	ck_assert_int_eq(sim_munmap(p, &log, SIM_PAGE_SIZE), -EINVAL);
	ck_assert_uint_eq(sim_vma_count(p), 1);
	/* The length is rounded up to pages, as munmap(2) does. */
	ck_assert_int_eq(sim_munmap(p, host, 3 * SIM_PAGE_SIZE - 100), 0);
	ck_assert_int_eq(sim_munmap(p, host, 3 * SIM_PAGE_SIZE), -EINVAL);
	test_shutdown(m);
}
END_TEST

/* --- addresses ------------------------------------------------------ */

struct uaddr_visit {
	uint64_t uaddr[8];
	int n;
};

static int record_uaddr(struct sim_vma *vma, void *ctx)
{
	struct uaddr_visit *v = ctx;

	v->uaddr[v->n++] = vma->uaddr;
	return v->n == 2 ? 9 : 0;
}

START_TEST(user_addresses_are_per_process_and_ordered)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_proc *q = spawn(m, "other");
	struct sim_vma *a, *b, *c;
	struct uaddr_visit v = { .n = 0 };
	int fd;

	scratch_window(m, &s, &log, 0, 4);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	a = map(p, fd, 5000, 0);
	b = map(p, fd, SIM_PAGE_SIZE, 0);
	ck_assert_uint_eq(a->len, 2 * SIM_PAGE_SIZE);	/* rounded up */
	ck_assert_uint_eq(a->uaddr, UADDR_FIRST);
	ck_assert_uint_eq(b->uaddr, UADDR_FIRST + 3 * SIM_PAGE_SIZE);
	/* Another process starts at the same address. */
	ck_assert_uint_eq(map(q, sim_fd_send(p, fd, q), SIM_PAGE_SIZE, 0)->uaddr,
			  UADDR_FIRST);
	/* Addresses are not reused after munmap. */
	sim_munmap(p, a->host, a->len);
	c = map(p, fd, SIM_PAGE_SIZE, 0);
	ck_assert_uint_eq(c->uaddr, UADDR_FIRST + 5 * SIM_PAGE_SIZE);
	a = map(p, fd, 4 * SIM_PAGE_SIZE, 0);
	ck_assert_ptr_eq(sim_vma_find_uaddr(p, b->uaddr), b);
	ck_assert_ptr_eq(sim_vma_find_uaddr(p, a->uaddr + 4 * SIM_PAGE_SIZE
					    - 1), a);
	ck_assert_ptr_null(sim_vma_find_uaddr(p, UADDR_FIRST));
	ck_assert_ptr_null(sim_vma_find_uaddr(p, b->uaddr + SIM_PAGE_SIZE));
	ck_assert_ptr_eq(sim_vma_find_host(p, (char *)a->host + 5000), a);
	ck_assert_ptr_eq(sim_vma_find_host(p, c->host), c);
	ck_assert_ptr_null(sim_vma_find_host(p, (char *)a->host + a->len));
	ck_assert_ptr_null(sim_vma_find_host(p, &v));
	ck_assert_uint_eq(sim_vma_count(p), 3);
	ck_assert_int_eq(sim_vma_foreach(p, record_uaddr, &v), 9);
	ck_assert_int_eq(v.n, 2);
	ck_assert_uint_eq(v.uaddr[0], b->uaddr);
	ck_assert_uint_eq(v.uaddr[1], c->uaddr);
	test_shutdown(m);
}
END_TEST

START_TEST(user_address_space_runs_out)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma = NULL;
	int fd;

	scratch_window(m, &s, &log, 0, 2);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	p->mm.next_uaddr = (1ULL << 47) - 2 * SIM_PAGE_SIZE;
	ck_assert_int_eq(sim_mmap(p, fd, 3 * SIM_PAGE_SIZE, RW, SIM_MAP_SHARED,
				  0, &vma), -ENOMEM);
	vma = map(p, fd, 2 * SIM_PAGE_SIZE, 0);	/* ends at 2^47 exactly */
	ck_assert_uint_eq(vma->uaddr + vma->len, 1ULL << 47);
	/* The cursor, past its gap page, is beyond the end now. */
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, RW, SIM_MAP_SHARED, 0,
				  &vma), -ENOMEM);
	test_shutdown(m);
}
END_TEST

static int unmap_each(struct sim_vma *vma, void *ctx)
{
	(*(int *)ctx)++;
	sim_vma_unmap(vma);
	return 0;
}

START_TEST(foreach_may_unmap_what_it_visits)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	int fd, visited = 0;

	scratch_window(m, &s, &log, 0, 1);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	for (int i = 0; i < 5; i++)
		map(p, fd, SIM_PAGE_SIZE, 0);
	ck_assert_int_eq(sim_vma_foreach(p, unmap_each, &visited), 0);
	ck_assert_int_eq(visited, 5);
	ck_assert_uint_eq(sim_vma_count(p), 0);
	ck_assert_uint_eq(sim_fd_peek(p, fd)->count, 1);
	test_shutdown(m);
}
END_TEST

/* --- fork and exit -------------------------------------------------- */

START_TEST(fork_shares_mapping_contents)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *parent = spawn(m, "zygote");
	struct sim_proc *child;
	struct sim_vma *pv, *cv;
	struct sim_file *f;
	int fd, err = 1;

	scratch_window(m, &s, &log, 16, 2);
	fd = open_scratch(parent, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	f = sim_fd_peek(parent, fd);
	pv = map(parent, fd, 2 * SIM_PAGE_SIZE, 0);
	strcpy((char *)pv->host + SIM_PAGE_SIZE, "before fork");
	child = sim_proc_fork(parent, &err);
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(sim_vma_count(child), 1);
	cv = sim_vma_find_uaddr(child, pv->uaddr);
	ck_assert_ptr_nonnull(cv);
	ck_assert_ptr_ne(cv, pv);
	ck_assert_ptr_eq(cv->proc, child);
	ck_assert_ptr_ne(cv->host, pv->host);
	ck_assert_uint_eq(cv->len, pv->len);
	ck_assert_ptr_eq(cv->file, f);
	ck_assert_uint_eq(f->count, 4);	/* two fds, two mappings */
	ck_assert_int_eq(log.n, 1);
	ck_assert_int_eq(log.ev[0].kind, EV_OPEN);
	ck_assert_str_eq((char *)cv->host + SIM_PAGE_SIZE, "before fork");
	strcpy(cv->host, "from the child");
	ck_assert_str_eq(pv->host, "from the child");
	/* The child's next mapping follows the parent's cursor. */
	ck_assert_uint_eq(map(child, fd, SIM_PAGE_SIZE, 0)->uaddr,
			  pv->uaddr + 3 * SIM_PAGE_SIZE);
	/* A grandchild of the copy maps the same pages again. */
	cv = sim_vma_find_uaddr(sim_proc_fork(child, NULL), pv->uaddr);
	ck_assert_str_eq(cv->host, "from the child");
	sim_proc_exit(child);
	ck_assert_int_eq(log.ev[log.n - 1].kind, EV_CLOSE);
	ck_assert_str_eq(pv->host, "from the child");
	test_shutdown(m);
}
END_TEST

/* Lazy mappings: no host range until asked, bytes through physical
 * memory meanwhile, the same pages as a real mapping sees, across fork
 * too; munmap by user address; a host range made on demand shows what
 * was written before. */
START_TEST(lazy_mappings_reach_the_same_pages)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *a = spawn(m, "lazy");
	struct sim_proc *b = spawn(m, "eager");
	struct sim_proc *child;
	struct sim_vma *lazy, *eager, *copy;
	char buf[16] = "";
	int fd;

	scratch_window(m, &s, &log, 8, 2);
	fd = open_scratch(a, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	eager = map(b, sim_fd_send(a, fd, b), 2 * SIM_PAGE_SIZE, 0);
	sim_set_lazy_mappings(m, true);
	lazy = map(a, fd, 2 * SIM_PAGE_SIZE, 0);
	ck_assert_ptr_null(lazy->host);
	ck_assert_uint_eq(lazy->mapped, lazy->len);
	ck_assert_ptr_null(sim_vma_find_host(a, eager->host));
	ck_assert_int_eq(sim_vma_access(lazy, SIM_PAGE_SIZE - 2, "lazy", 5,
					true), 0);
	ck_assert_str_eq((char *)eager->host + SIM_PAGE_SIZE - 2, "lazy");
	strcpy(eager->host, "eager");
	ck_assert_int_eq(sim_vma_access(lazy, 0, buf, 6, false), 0);
	ck_assert_str_eq(buf, "eager");
	ck_assert_int_eq(sim_vma_access(lazy, SIM_PAGE_SIZE, buf,
					SIM_PAGE_SIZE + 1, false), -EFAULT);
	child = sim_proc_fork(a, NULL);
	copy = sim_vma_find_uaddr(child, lazy->uaddr);
	ck_assert_ptr_null(copy->host);
	ck_assert_int_eq(sim_vma_access(copy, 0, buf, 6, false), 0);
	ck_assert_str_eq(buf, "eager");
	ck_assert_ptr_nonnull(sim_vma_host(lazy));
	ck_assert_ptr_eq(sim_vma_host(lazy), lazy->host);
	ck_assert_str_eq((char *)lazy->host + SIM_PAGE_SIZE - 2, "lazy");
	ck_assert_ptr_eq(sim_vma_find_host(a, lazy->host), lazy);
	ck_assert_int_eq(sim_munmap_uaddr(child, copy->uaddr + 1, SIM_PAGE_SIZE),
			 -EINVAL);
	ck_assert_int_eq(sim_munmap_uaddr(child, copy->uaddr, SIM_PAGE_SIZE),
			 -EINVAL);
	ck_assert_int_eq(sim_munmap_uaddr(child, copy->uaddr,
					  2 * SIM_PAGE_SIZE), 0);
	ck_assert_uint_eq(sim_vma_count(child), 0);
	ck_assert_int_eq(sim_munmap_uaddr(a, lazy->uaddr, 2 * SIM_PAGE_SIZE),
			 0);
	sim_proc_exit(child);
	ck_assert_int_eq(sim_munmap_uaddr(child, 0, SIM_PAGE_SIZE), -ESRCH);
	test_shutdown(m);
}
END_TEST

START_TEST(fork_failures_with_mappings_leave_nothing)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *parent = spawn(m, "zygote");
	struct sim_proc *child = NULL;
	struct sim_file *f;
	unsigned long live, nth;
	int fd, err = 0;

	scratch_window(m, &s, &log, 0, 4);
	fd = open_scratch(parent, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	f = sim_fd_peek(parent, fd);
	map(parent, fd, 4 * SIM_PAGE_SIZE, 0);
	map(parent, fd, SIM_PAGE_SIZE, SIM_PAGE_SIZE);
	live = sim_kobj_live(m);
	for (nth = 1; !child; nth++) {
		int opens = 0, closes = 0;

		log.n = 0;
		sim_fault_arm(m, SIM_FAULT_KOBJ, nth);
		child = sim_proc_fork(parent, &err);
		sim_fault_disarm(m);
		if (child)
			break;
		ck_assert_int_eq(err, -ENOMEM);
		ck_assert_uint_eq(sim_kobj_live(m), live);
		ck_assert_uint_eq(f->count, 3);
		for (int i = 0; i < log.n; i++) {
			opens += log.ev[i].kind == EV_OPEN;
			closes += log.ev[i].kind == EV_CLOSE;
		}
		ck_assert_int_eq(opens, closes);
	}
	/* process, vma + runs, vma + runs: the 6th allocation succeeds */
	ck_assert_uint_eq(nth, 6);
	ck_assert_uint_eq(sim_vma_count(child), 2);
	ck_assert_uint_eq(f->count, 6);
	test_shutdown(m);
}
END_TEST

START_TEST(fork_copies_a_mapping_its_driver_left_empty)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_proc *child;
	struct sim_vma *vma;
	int fd;

	scratch_window(m, &s, &log, 0, 1);
	s.lazy = true;
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	vma = map(p, fd, SIM_PAGE_SIZE, 0);
	ck_assert_uint_eq(vma->mapped, 0);
	child = sim_proc_fork(p, NULL);
	ck_assert_ptr_nonnull(child);
	vma = sim_vma_find_uaddr(child, vma->uaddr);
	ck_assert_ptr_nonnull(vma);
	ck_assert_uint_eq(vma->mapped, 0);
	ck_assert_int_eq(log.n, 1);	/* the open */
	test_shutdown(m);
}
END_TEST

START_TEST(exit_unmaps_in_address_order_then_closes_fds)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch sx, sy;
	struct sim_proc *p = spawn(m, "app");
	uint64_t x, y;
	int fx, fy;

	scratch_window(m, &sy, &log, 0, 1);
	scratch_window(m, &sx, &log, 1, 1);
	fy = open_scratch(p, &sy, SIM_FMODE_READ | SIM_FMODE_WRITE);
	fx = open_scratch(p, &sx, SIM_FMODE_READ | SIM_FMODE_WRITE);
	ck_assert_int_eq(fy, 3);
	ck_assert_int_eq(fx, 4);
	x = sim_fd_peek(p, fx)->ino;
	y = sim_fd_peek(p, fy)->ino;
	map(p, fx, SIM_PAGE_SIZE, 0);	/* x maps lower, its fd is higher */
	map(p, fy, SIM_PAGE_SIZE, 0);
	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_int_eq(log.n, 4);
	ck_assert_int_eq(log.ev[0].kind, EV_CLOSE);
	ck_assert_uint_eq(log.ev[0].ino, x);
	ck_assert_int_eq(log.ev[1].kind, EV_CLOSE);
	ck_assert_uint_eq(log.ev[1].ino, y);
	ck_assert_int_eq(log.ev[2].kind, EV_RELEASE);
	ck_assert_uint_eq(log.ev[2].ino, y);	/* fd 3 */
	ck_assert_int_eq(log.ev[3].kind, EV_RELEASE);
	ck_assert_uint_eq(log.ev[3].ino, x);	/* fd 4 */
	ck_assert_uint_eq(sim_vma_count(p), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(mapping_calls_on_a_dead_process_are_esrch)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	struct sim_vma *vma;
	void *host;
	int fd;

	scratch_window(m, &s, &log, 0, 1);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	vma = map(p, fd, SIM_PAGE_SIZE, 0);
	host = vma->host;
	sim_proc_exit(p);
	ck_assert_int_eq(sim_mmap(p, fd, SIM_PAGE_SIZE, RW, SIM_MAP_SHARED, 0,
				  &vma), -ESRCH);
	ck_assert_int_eq(sim_munmap(p, host, SIM_PAGE_SIZE), -ESRCH);
	ck_assert_ptr_null(sim_vma_find_host(p, host));
	ck_assert_uint_eq(sim_vma_count(p), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(shutdown_unmaps_live_mappings)
{
	struct sim_machine *m = boot_scratch();
	struct event_log log = { .n = 0 };
	struct scratch s;
	struct sim_proc *p = spawn(m, "app");
	int fd;

	scratch_window(m, &s, &log, 0, 1);
	fd = open_scratch(p, &s, SIM_FMODE_READ | SIM_FMODE_WRITE);
	map(p, fd, SIM_PAGE_SIZE, 0);
	sim_fd_close(p, fd);
	test_shutdown(m);
	ck_assert_int_eq(log.n, 2);
	ck_assert_int_eq(log.ev[1].kind, EV_RELEASE);
}
END_TEST

static Suite *vma_suite(void)
{
	Suite *s = suite_create("sim-vma");
	TCase *t = tcase_create("share");

	tcase_add_test(t, two_mappings_see_each_others_writes);
	tcase_add_test(t, offset_selects_the_file_pages);
	tcase_add_test(t, private_mappings_share_the_pages_too);
	tcase_add_test(t, mapping_keeps_the_file_alive_after_close);
	suite_add_tcase(s, t);
	t = tcase_create("errors");
	tcase_add_test(t, mmap_errors_in_linux_order);
	tcase_add_test(t, failed_mmap_op_leaves_nothing);
	tcase_add_test(t, map_runs_rejects_bad_runs);
	tcase_add_test(t, map_runs_joins_runs_and_skips_empty_ones);
	tcase_add_test(t, munmap_needs_one_whole_mapping);
	suite_add_tcase(s, t);
	t = tcase_create("addresses");
	tcase_add_test(t, user_addresses_are_per_process_and_ordered);
	tcase_add_test(t, user_address_space_runs_out);
	tcase_add_test(t, foreach_may_unmap_what_it_visits);
	suite_add_tcase(s, t);
	t = tcase_create("fork-exit");
	tcase_add_test(t, fork_shares_mapping_contents);
	tcase_add_test(t, lazy_mappings_reach_the_same_pages);
	tcase_add_test(t, fork_failures_with_mappings_leave_nothing);
	tcase_add_test(t, fork_copies_a_mapping_its_driver_left_empty);
	tcase_add_test(t, exit_unmaps_in_address_order_then_closes_fds);
	tcase_add_test(t, mapping_calls_on_a_dead_process_are_esrch);
	tcase_add_test(t, shutdown_unmaps_live_mappings);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(vma_suite)
