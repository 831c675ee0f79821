/*
 * tests/sim/test_file.c - refcounted files, fd tables and fd passing:
 * references taken and dropped by every call, lowest-free fd numbers, the
 * nofile limit, injected failures that must leave nothing behind, and
 * SCM_RIGHTS messages in flight.
 */
#include <errno.h>
#include <limits.h>

#include "sim/sim_internal.h"
#include "testlib.h"

/* --- helpers -------------------------------------------------------- */

/* Inode numbers of released files, in release order. */
struct release_log {
	uint64_t ino[512];
	int n;
};

static void log_release(struct sim_file *f)
{
	struct release_log *log = f->private_data;

	log->ino[log->n++] = f->ino;
}

static const struct sim_file_ops logged_ops = {
	.kind = "test",
	.release = log_release,
};

static struct sim_file *new_file(struct sim_machine *m,
				 struct release_log *log)
{
	int err = 1;
	struct sim_file *f = sim_file_new(m, &logged_ops, log, SIM_O_RDWR,
					  SIM_FMODE_READ | SIM_FMODE_WRITE,
					  &err);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(err, 0);
	return f;
}

static struct sim_proc *spawn(struct sim_machine *m, const char *name)
{
	int err = 1;
	struct sim_proc *p = sim_proc_spawn(m, name, 0, &err);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(err, 0);
	return p;
}

/* A new file installed in @p; returns the fd (the table holds the only
 * reference). */
static int open_file(struct sim_proc *p, struct release_log *log)
{
	struct sim_file *f = new_file(sim_proc_machine(p), log);
	int fd = sim_fd_install(p, f, 0);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static struct sim_machine *boot_nofile(unsigned int nofile)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	cfg.nofile = nofile;
	return test_boot(&cfg);
}

/* Tear the process table down first, so that zombies are gone too, and
 * fail if any kernel object outlived it. */
/* --- files ---------------------------------------------------------- */

START_TEST(file_new_one_ref_serial_ino)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_file *a = new_file(m, &log);
	struct sim_file *b = new_file(m, &log);

	ck_assert_uint_eq(a->count, 1);
	ck_assert_uint_eq(sim_tty(m)->ino, 1);	/* the terminal came first */
	ck_assert_uint_eq(a->ino, 2);
	ck_assert_uint_eq(b->ino, 3);
	ck_assert_ptr_eq(a->m, m);
	sim_file_get(a);
	sim_file_put(a);
	ck_assert_int_eq(log.n, 0);
	sim_file_put(a);
	sim_file_put(b);
	ck_assert_int_eq(log.n, 2);
	ck_assert_uint_eq(log.ino[0], 2);
	ck_assert_uint_eq(log.ino[1], 3);
	test_shutdown(m);
}
END_TEST

static const struct sim_file_ops bare_ops = {
	.kind = "bare",		/* no release hook: allowed */
};

START_TEST(file_new_drops_cloexec_from_flags)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_file *f = sim_file_new(m, &bare_ops, NULL,
					  SIM_O_RDWR | SIM_O_CLOEXEC,
					  SIM_FMODE_READ, NULL);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->f_flags, SIM_O_RDWR);
	ck_assert_uint_eq(f->f_mode, SIM_FMODE_READ);
	sim_file_put(f);
	test_shutdown(m);
}
END_TEST

START_TEST(file_new_injected_failure_takes_nothing)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	unsigned long live = sim_kobj_live(m);
	struct sim_file *f;
	int err = 0;

	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_ptr_null(sim_file_new(m, &logged_ops, &log, 0,
					SIM_FMODE_READ, &err));
	ck_assert_int_eq(err, -ENOMEM);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	/* No inode number was used up either. */
	f = new_file(m, &log);
	ck_assert_uint_eq(f->ino, 2);
	sim_file_put(f);
	test_shutdown(m);
}
END_TEST

/* --- fd tables ------------------------------------------------------ */

START_TEST(spawn_opens_0_1_2_on_the_tty)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_proc *p = spawn(m, "init");
	struct sim_file *tty = sim_tty(m);

	ck_assert_uint_eq(sim_fd_count(p), 3);
	for (int fd = 0; fd < 3; fd++) {
		ck_assert_ptr_eq(sim_fd_peek(p, fd), tty);
		ck_assert_int_eq(sim_fd_get_flags(p, fd), 0);
	}
	ck_assert_ptr_null(sim_fd_peek(p, 3));
	ck_assert_str_eq(tty->ops->kind, "tty");
	ck_assert_ptr_null(tty->ops->ioctl);	/* every ioctl: -ENOTTY */
	ck_assert_ptr_null(tty->ops->mmap);
	ck_assert_uint_eq(tty->count, 1 + 3);
	spawn(m, "sh");
	ck_assert_uint_eq(tty->count, 1 + 6);
	sim_proc_exit(p);
	ck_assert_uint_eq(tty->count, 1 + 3);
	test_shutdown(m);
}
END_TEST

START_TEST(install_takes_lowest_free_fd)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app");

	ck_assert_int_eq(open_file(p, &log), 3);
	ck_assert_int_eq(open_file(p, &log), 4);
	ck_assert_int_eq(open_file(p, &log), 5);
	ck_assert_int_eq(sim_fd_close(p, 4), 0);
	ck_assert_int_eq(open_file(p, &log), 4);
	ck_assert_int_eq(sim_fd_close(p, 0), 0);
	ck_assert_int_eq(sim_fd_close(p, 5), 0);
	ck_assert_int_eq(open_file(p, &log), 0);
	ck_assert_int_eq(open_file(p, &log), 5);
	ck_assert_int_eq(open_file(p, &log), 6);
	ck_assert_uint_eq(sim_fd_count(p), 7);
	test_shutdown(m);
}
END_TEST

START_TEST(install_emfile_at_the_limit_keeps_callers_ref)
{
	struct sim_machine *m = boot_nofile(5);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app");
	struct sim_file *f;
	unsigned long live;

	ck_assert_int_eq(open_file(p, &log), 3);
	ck_assert_int_eq(open_file(p, &log), 4);
	f = new_file(m, &log);
	live = sim_kobj_live(m);
	ck_assert_int_eq(sim_fd_install(p, f, 0), -EMFILE);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	ck_assert_int_eq(sim_fd_dup(p, 3), -EMFILE);
	ck_assert_uint_eq(sim_fd_peek(p, 3)->count, 1);
	/* A free slot below the limit is found again. */
	sim_fd_close(p, 1);
	ck_assert_int_eq(sim_fd_install(p, f, 0), 1);
	test_shutdown(m);
}
END_TEST

START_TEST(install_injected_fd_fault_is_emfile)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app");
	struct sim_file *f = new_file(m, &log);
	unsigned long live = sim_kobj_live(m);
	struct sim_fault_stats st;

	sim_fault_arm(m, SIM_FAULT_FD, 1);
	ck_assert_int_eq(sim_fd_install(p, f, 0), -EMFILE);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(sim_fd_count(p), 3);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	sim_fault_stats(m, &st);
	ck_assert_uint_eq(st.injected[SIM_FAULT_FD], 1);
	ck_assert_int_eq(sim_fd_install(p, f, 0), 3);
	test_shutdown(m);
}
END_TEST

START_TEST(table_grows_past_embedded_slots)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "many");
	struct sim_file *f;
	unsigned long live;
	int fd;

	for (fd = 3; fd < SIM_FDTABLE_EMBEDDED; fd++)
		ck_assert_int_eq(open_file(p, &log), fd);
	/* The next fd needs a bigger table: its allocation can fail. */
	f = new_file(m, &log);
	live = sim_kobj_live(m);
	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_int_eq(sim_fd_install(p, f, 0), -ENOMEM);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	ck_assert_int_eq(sim_fd_install(p, f, SIM_O_CLOEXEC),
			 SIM_FDTABLE_EMBEDDED);
	ck_assert_uint_eq(sim_kobj_live(m), live + 1);	/* the new table */
	for (fd = SIM_FDTABLE_EMBEDDED + 1; fd < 300; fd++)
		ck_assert_int_eq(open_file(p, &log), fd);
	ck_assert_ptr_eq(sim_fd_peek(p, SIM_FDTABLE_EMBEDDED), f);
	ck_assert_int_eq(sim_fd_get_flags(p, SIM_FDTABLE_EMBEDDED),
			 SIM_FD_CLOEXEC);
	ck_assert_uint_eq(sim_fd_count(p), 300);
	sim_proc_exit(p);
	ck_assert_int_eq(log.n, 297);
	test_shutdown(m);
}
END_TEST

START_TEST(close_bad_fds_is_ebadf)
{
	struct sim_machine *m = boot_nofile(8);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app");
	int fd = open_file(p, &log);

	ck_assert_int_eq(sim_fd_close(p, -1), -EBADF);
	ck_assert_int_eq(sim_fd_close(p, fd + 1), -EBADF);	/* never open */
	ck_assert_int_eq(sim_fd_close(p, 1000000), -EBADF);	/* past table */
	ck_assert_int_eq(sim_fd_close(p, fd), 0);
	ck_assert_int_eq(log.n, 1);
	ck_assert_int_eq(sim_fd_close(p, fd), -EBADF);	/* double close */
	ck_assert_int_eq(log.n, 1);
	ck_assert_ptr_null(sim_fget(p, fd));
	ck_assert_ptr_null(sim_fget(p, -5));
	ck_assert_int_eq(sim_fd_get_flags(p, fd), -EBADF);
	test_shutdown(m);
}
END_TEST

START_TEST(fget_takes_a_ref_peek_does_not)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app");
	int fd = open_file(p, &log);
	struct sim_file *f = sim_fd_peek(p, fd);

	ck_assert_uint_eq(f->count, 1);
	ck_assert_ptr_eq(sim_fget(p, fd), f);
	ck_assert_uint_eq(f->count, 2);
	sim_fd_close(p, fd);
	ck_assert_int_eq(log.n, 0);	/* our fget reference holds it */
	sim_file_put(f);
	ck_assert_int_eq(log.n, 1);
	test_shutdown(m);
}
END_TEST

START_TEST(dup_shares_the_file_without_cloexec)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app");
	struct sim_file *f = new_file(m, &log);
	int fd = sim_fd_install(p, f, SIM_O_CLOEXEC);

	ck_assert_int_eq(fd, 3);
	ck_assert_int_eq(sim_fd_get_flags(p, fd), SIM_FD_CLOEXEC);
	sim_fd_close(p, 1);
	ck_assert_int_eq(sim_fd_dup(p, fd), 1);	/* lowest free */
	ck_assert_ptr_eq(sim_fd_peek(p, 1), f);
	ck_assert_int_eq(sim_fd_get_flags(p, 1), 0);
	ck_assert_uint_eq(f->count, 2);
	ck_assert_int_eq(sim_fd_dup(p, 9), -EBADF);
	ck_assert_int_eq(sim_fd_dup(p, -1), -EBADF);
	sim_fd_close(p, fd);
	ck_assert_int_eq(log.n, 0);
	sim_fd_close(p, 1);
	ck_assert_int_eq(log.n, 1);
	test_shutdown(m);
}
END_TEST

struct fd_visit {
	int fds[16];
	int n;
	int stop_at;
};

static int record_fd(struct sim_proc *p, int fd, struct sim_file *f,
		     void *ctx)
{
	struct fd_visit *v = ctx;

	ck_assert_ptr_eq(sim_fd_peek(p, fd), f);
	v->fds[v->n++] = fd;
	return fd == v->stop_at ? 42 : 0;
}

START_TEST(fd_foreach_ascending_and_stops)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app");
	struct fd_visit v = { .n = 0, .stop_at = -1 };

	open_file(p, &log);
	open_file(p, &log);
	open_file(p, &log);
	sim_fd_close(p, 1);
	sim_fd_close(p, 4);
	ck_assert_int_eq(sim_fd_foreach(p, record_fd, &v), 0);
	ck_assert_int_eq(v.n, 4);
	ck_assert_int_eq(v.fds[0], 0);
	ck_assert_int_eq(v.fds[1], 2);
	ck_assert_int_eq(v.fds[2], 3);
	ck_assert_int_eq(v.fds[3], 5);
	v.n = 0;
	v.stop_at = 2;
	ck_assert_int_eq(sim_fd_foreach(p, record_fd, &v), 42);
	ck_assert_int_eq(v.n, 2);
	test_shutdown(m);
}
END_TEST

START_TEST(fd_calls_on_a_dead_process_are_esrch)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "gone");
	struct sim_file *f = new_file(m, &log);

	sim_proc_exit(p);
	ck_assert_uint_eq(sim_fd_count(p), 0);
	ck_assert_int_eq(sim_fd_install(p, f, 0), -ESRCH);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_int_eq(sim_fd_close(p, 0), -ESRCH);
	ck_assert_int_eq(sim_fd_dup(p, 0), -ESRCH);
	ck_assert_int_eq(sim_fd_get_flags(p, 0), -ESRCH);
	ck_assert_ptr_null(sim_fget(p, 0));
	ck_assert_ptr_null(sim_fd_peek(p, 0));
	ck_assert_int_eq(sim_fd_send_begin(p, 0), -ESRCH);
	sim_file_put(f);
	test_shutdown(m);
}
END_TEST

/* --- fd passing ----------------------------------------------------- */

START_TEST(send_installs_same_file_at_receivers_lowest_fd)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a");
	struct sim_proc *b = spawn(m, "b");
	int fd = open_file(a, &log);
	struct sim_file *f = sim_fd_peek(a, fd);

	open_file(b, &log);
	open_file(b, &log);	/* b: 0-4 taken */
	sim_fd_close(b, 2);
	ck_assert_int_eq(sim_fd_send(a, fd, b), 2);
	ck_assert_ptr_eq(sim_fd_peek(b, 2), f);
	ck_assert_int_eq(sim_fd_get_flags(b, 2), 0);
	ck_assert_uint_eq(f->count, 2);
	ck_assert_uint_eq(sim_inflight_count(m), 0);
	sim_proc_exit(a);
	ck_assert_int_eq(log.n, 0);	/* b still holds it */
	ck_assert_uint_eq(f->count, 1);
	/* to oneself works too */
	ck_assert_int_eq(sim_fd_send(b, 2, b), 5);
	test_shutdown(m);
}
END_TEST

struct token_visit {
	int tokens[8];
	int n;
	int stop_after;		/* visits before returning non-zero; 0: never */
};

static int record_inflight(int token, struct sim_file *f, void *ctx)
{
	struct token_visit *v = ctx;

	ck_assert_uint_ge(f->count, 1);
	v->tokens[v->n++] = token;
	return v->n == v->stop_after ? -1 : 0;
}

START_TEST(inflight_messages_hold_refs_in_token_order)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a");
	struct sim_proc *b = spawn(m, "b");
	int fd = open_file(a, &log);
	struct sim_file *f = sim_fd_peek(a, fd);
	struct token_visit seen = { .n = 0 };
	int t1, t2, t3;

	t1 = sim_fd_send_begin(a, fd);
	t2 = sim_fd_send_begin(a, fd);
	t3 = sim_fd_send_begin(a, 0);
	ck_assert_int_eq(t1, 1);
	ck_assert_int_eq(t2, 2);
	ck_assert_int_eq(t3, 3);
	ck_assert_uint_eq(sim_inflight_count(m), 3);
	ck_assert_uint_eq(f->count, 3);
	sim_fd_close(a, fd);	/* in flight, the file lives on */
	ck_assert_int_eq(log.n, 0);
	ck_assert_int_eq(sim_inflight_foreach(m, record_inflight, &seen), 0);
	ck_assert_int_eq(seen.n, 3);
	ck_assert_int_eq(seen.tokens[0], 1);
	ck_assert_int_eq(seen.tokens[1], 2);
	ck_assert_int_eq(seen.tokens[2], 3);
	seen.n = 0;
	seen.stop_after = 2;
	ck_assert_int_eq(sim_inflight_foreach(m, record_inflight, &seen), -1);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_int_eq(sim_fd_send_end(m, t2, b), 3);
	ck_assert_ptr_eq(sim_fd_peek(b, 3), f);
	ck_assert_uint_eq(f->count, 2);
	ck_assert_int_eq(sim_fd_send_end(m, t2, b), -ENOENT);
	ck_assert_int_eq(sim_fd_send_abort(m, t1), 0);
	ck_assert_int_eq(sim_fd_send_abort(m, t1), -ENOENT);
	ck_assert_int_eq(sim_fd_send_abort(m, 0), -ENOENT);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(sim_inflight_count(m), 1);
	sim_fd_close(b, 3);
	ck_assert_int_eq(log.n, 1);
	/* t3 (the tty) is still in flight: shutdown drops it. */
	test_shutdown(m);
}
END_TEST

START_TEST(inflight_abort_of_the_last_ref_releases)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a");
	int fd = open_file(a, &log);
	int token = sim_fd_send_begin(a, fd);

	sim_fd_close(a, fd);
	ck_assert_int_eq(log.n, 0);
	ck_assert_int_eq(sim_fd_send_abort(m, token), 0);
	ck_assert_int_eq(log.n, 1);
	ck_assert_uint_eq(sim_inflight_count(m), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(send_to_a_dead_process_changes_nothing)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a");
	struct sim_proc *b = spawn(m, "b");
	int fd = open_file(a, &log);
	struct sim_file *f = sim_fd_peek(a, fd);
	unsigned long live;
	int token;

	sim_proc_exit(b);
	live = sim_kobj_live(m);
	ck_assert_int_eq(sim_fd_send(a, fd, b), -ESRCH);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(sim_inflight_count(m), 0);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	/* In two steps the message waits in flight for a retry or abort. */
	token = sim_fd_send_begin(a, fd);
	ck_assert_int_eq(sim_fd_send_end(m, token, b), -ESRCH);
	ck_assert_uint_eq(sim_inflight_count(m), 1);
	ck_assert_uint_eq(f->count, 2);
	ck_assert_int_eq(sim_fd_send_end(m, token, a), 4);
	ck_assert_uint_eq(sim_inflight_count(m), 0);
	/* A dead sender or a bad fd fails before anything is taken. */
	ck_assert_int_eq(sim_fd_send(b, 0, a), -ESRCH);
	ck_assert_int_eq(sim_fd_send(a, 17, a), -EBADF);
	ck_assert_int_eq(sim_fd_send_begin(a, -1), -EBADF);
	ck_assert_uint_eq(sim_inflight_count(m), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(send_to_a_full_table_keeps_the_message)
{
	struct sim_machine *m = boot_nofile(4);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a");
	struct sim_proc *b = spawn(m, "b");
	int fd = open_file(a, &log);
	struct sim_file *f = sim_fd_peek(a, fd);
	int token;

	open_file(b, &log);	/* b is full: 0-3 */
	ck_assert_int_eq(sim_fd_send(a, fd, b), -EMFILE);
	ck_assert_uint_eq(f->count, 1);
	token = sim_fd_send_begin(a, fd);
	ck_assert_int_eq(sim_fd_send_end(m, token, b), -EMFILE);
	ck_assert_uint_eq(sim_inflight_count(m), 1);
	sim_fault_arm(m, SIM_FAULT_FD, 1);
	sim_fd_close(b, 0);
	ck_assert_int_eq(sim_fd_send_end(m, token, b), -EMFILE);
	ck_assert_int_eq(sim_fd_send_end(m, token, b), 0);
	ck_assert_ptr_eq(sim_fd_peek(b, 0), f);
	test_shutdown(m);
}
END_TEST

START_TEST(send_injected_kobj_failure_takes_nothing)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a");
	int fd = open_file(a, &log);
	struct sim_file *f = sim_fd_peek(a, fd);
	unsigned long live = sim_kobj_live(m);

	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_int_eq(sim_fd_send_begin(a, fd), -ENOMEM);
	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_int_eq(sim_fd_send(a, fd, a), -ENOMEM);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(sim_inflight_count(m), 0);
	/* A failed attempt uses up no token. */
	ck_assert_int_eq(sim_fd_send_begin(a, fd), 1);
	test_shutdown(m);
}
END_TEST

START_TEST(tokens_run_out_rather_than_repeat)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_proc *a = spawn(m, "a");

	m->procs.next_token = INT_MAX - 1;	/* as after 2^31 - 2 sends */
	ck_assert_int_eq(sim_fd_send_begin(a, 0), INT_MAX - 1);
	ck_assert_int_eq(sim_fd_send_begin(a, 0), -ENOMEM);
	ck_assert_uint_eq(sim_inflight_count(m), 1);
	test_shutdown(m);
}
END_TEST

START_TEST(shutdown_drops_messages_in_flight)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a");
	int fd = open_file(a, &log);

	sim_fd_send_begin(a, fd);
	sim_fd_send_begin(a, fd);
	sim_proc_exit(a);
	ck_assert_int_eq(log.n, 0);
	ck_assert_uint_eq(sim_inflight_count(m), 2);
	sim_procs_fini(m);
	ck_assert_int_eq(log.n, 1);
	ck_assert_uint_eq(sim_inflight_count(m), 0);
	test_shutdown(m);
}
END_TEST

static Suite *file_suite(void)
{
	Suite *s = suite_create("sim-file");
	TCase *t = tcase_create("file");

	tcase_add_test(t, file_new_one_ref_serial_ino);
	tcase_add_test(t, file_new_drops_cloexec_from_flags);
	tcase_add_test(t, file_new_injected_failure_takes_nothing);
	suite_add_tcase(s, t);
	t = tcase_create("fdtable");
	tcase_add_test(t, spawn_opens_0_1_2_on_the_tty);
	tcase_add_test(t, install_takes_lowest_free_fd);
	tcase_add_test(t, install_emfile_at_the_limit_keeps_callers_ref);
	tcase_add_test(t, install_injected_fd_fault_is_emfile);
	tcase_add_test(t, table_grows_past_embedded_slots);
	tcase_add_test(t, close_bad_fds_is_ebadf);
	tcase_add_test(t, fget_takes_a_ref_peek_does_not);
	tcase_add_test(t, dup_shares_the_file_without_cloexec);
	tcase_add_test(t, fd_foreach_ascending_and_stops);
	tcase_add_test(t, fd_calls_on_a_dead_process_are_esrch);
	suite_add_tcase(s, t);
	t = tcase_create("passing");
	tcase_add_test(t, send_installs_same_file_at_receivers_lowest_fd);
	tcase_add_test(t, inflight_messages_hold_refs_in_token_order);
	tcase_add_test(t, inflight_abort_of_the_last_ref_releases);
	tcase_add_test(t, send_to_a_dead_process_changes_nothing);
	tcase_add_test(t, send_to_a_full_table_keeps_the_message);
	tcase_add_test(t, send_injected_kobj_failure_takes_nothing);
	tcase_add_test(t, tokens_run_out_rather_than_repeat);
	tcase_add_test(t, shutdown_drops_messages_in_flight);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(file_suite)
