/*
 * tests/sim/test_proc.c - processes and threads: the pid space, zombies,
 * fork's copy of the fd table, exit's close order, and error paths that
 * must leave no kernel object behind.
 */
#include <errno.h>

#include "testlib.h"

/* --- helpers -------------------------------------------------------- */

/* Inode numbers of released files, in release order. */
struct release_log {
	uint64_t ino[64];
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
	struct sim_file *f = sim_file_new(m, &logged_ops, log, SIM_O_RDWR,
					  SIM_FMODE_READ | SIM_FMODE_WRITE,
					  NULL);

	ck_assert_ptr_nonnull(f);
	return f;
}

static struct sim_proc *spawn(struct sim_machine *m, const char *name,
			      int pid)
{
	int err = 1;
	struct sim_proc *p = sim_proc_spawn(m, name, pid, &err);

	ck_assert_msg(p != NULL, "spawn failed: %d", err);
	ck_assert_int_eq(err, 0);
	return p;
}

static struct sim_thread *thread(struct sim_proc *p, const char *name)
{
	int err = 1;
	struct sim_thread *t = sim_thread_create(p, name, &err);

	ck_assert_msg(t != NULL, "thread failed: %d", err);
	ck_assert_int_eq(err, 0);
	return t;
}

/* Tear the process table down first, so that zombies are gone too, and
 * fail if any kernel object outlived it. */
/* --- spawn and the pid space ---------------------------------------- */

START_TEST(spawn_numbers_from_100)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_proc *a = spawn(m, "init", 0);
	struct sim_proc *b = spawn(m, "sh", 0);

	ck_assert_int_eq(sim_proc_pid(a), 100);
	ck_assert_int_eq(sim_proc_pid(b), 101);
	ck_assert_str_eq(sim_proc_name(a), "init");
	ck_assert(sim_proc_alive(a));
	ck_assert_ptr_eq(sim_proc_machine(a), m);
	ck_assert_ptr_eq(sim_proc_find(m, 101), b);
	ck_assert_ptr_null(sim_proc_find(m, 102));
	ck_assert_ptr_null(sim_proc_find(m, -3));
	ck_assert_int_eq(sim_thread_tid(sim_proc_main_thread(a)), 100);
	ck_assert_ptr_eq(sim_thread_proc(sim_proc_main_thread(a)), a);
	test_shutdown(m);
}
END_TEST

START_TEST(spawn_given_pid_and_its_errors)
{
	struct sim_machine *m = test_boot(NULL);
	int err = 0;

	ck_assert_int_eq(sim_proc_pid(spawn(m, "named", 101)), 101);
	ck_assert_int_eq(sim_proc_pid(spawn(m, "low", 7)), 7);
	ck_assert_ptr_null(sim_proc_spawn(m, "dup", 101, &err));
	ck_assert_int_eq(err, -EEXIST);
	ck_assert_ptr_null(sim_proc_spawn(m, "neg", -1, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_ptr_null(sim_proc_spawn(m, "quiet", -1, NULL));
	/* Automatic numbers skip the ones taken and are not moved by them. */
	ck_assert_int_eq(sim_proc_pid(spawn(m, "a", 0)), 100);
	ck_assert_int_eq(sim_proc_pid(spawn(m, "b", 0)), 102);
	test_shutdown(m);
}
END_TEST

START_TEST(spawn_truncates_long_names)
{
	struct sim_machine *m = test_boot(NULL);

	ck_assert_str_eq(sim_proc_name(spawn(m, "surfaceflinger-main", 0)),
			 "surfaceflinger-");
	ck_assert_str_eq(sim_proc_name(spawn(m, NULL, 0)), "");
	test_shutdown(m);
}
END_TEST

START_TEST(spawn_injected_failure_takes_nothing)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long live = sim_kobj_live(m);
	int err = 0;

	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_ptr_null(sim_proc_spawn(m, "x", 0, &err));
	ck_assert_int_eq(err, -ENOMEM);
	ck_assert_uint_eq(sim_kobj_live(m), live);
	ck_assert_uint_eq(sim_tty(m)->count, 1);
	/* The pid was not used up. */
	ck_assert_int_eq(sim_proc_pid(spawn(m, "x", 0)), 100);
	test_shutdown(m);
}
END_TEST

START_TEST(threads_take_tids_from_the_pid_space)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_proc *p = spawn(m, "app", 0);
	struct sim_thread *t1 = thread(p, "RenderThread");
	struct sim_thread *t2 = thread(p, "binder");
	int err = 0;

	ck_assert_int_eq(sim_thread_tid(t1), 101);
	ck_assert_int_eq(sim_thread_tid(t2), 102);
	ck_assert_ptr_eq(sim_thread_proc(t1), p);
	ck_assert_int_eq(sim_proc_pid(spawn(m, "next", 0)), 103);
	/* A tid is not a pid, and cannot be taken as one. */
	ck_assert_ptr_null(sim_proc_find(m, 101));
	ck_assert_ptr_null(sim_proc_spawn(m, "clash", 102, &err));
	ck_assert_int_eq(err, -EEXIST);
	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_ptr_null(sim_thread_create(p, "oom", &err));
	ck_assert_int_eq(err, -ENOMEM);
	ck_assert_int_eq(sim_thread_tid(thread(p, NULL)), 104);
	test_shutdown(m);
}
END_TEST

START_TEST(pid_space_runs_out)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_proc *p = spawn(m, "app", 0);
	struct sim_thread *t;
	int err = 0, made = 0;

	spawn(m, "top", 32767);
	spawn(m, "below-cursor", 150);
	while ((t = sim_thread_create(p, "w", &err)))
		made++;
	ck_assert_int_eq(err, -EAGAIN);
	/* Every automatic number, 100..32767, but the three taken. */
	ck_assert_int_eq(made, (32767 - 100 + 1) - 3);
	ck_assert_ptr_null(sim_proc_fork(p, &err));
	ck_assert_int_eq(err, -EAGAIN);
	ck_assert_ptr_null(sim_proc_spawn(m, "late", 0, &err));
	ck_assert_int_eq(err, -EAGAIN);
	ck_assert_int_eq(sim_proc_pid(spawn(m, "named", 40000)), 40000);
	test_shutdown(m);
}
END_TEST

/* --- fork ----------------------------------------------------------- */

START_TEST(fork_copies_fds_with_a_ref_each_and_flags)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *parent = spawn(m, "zygote", 0);
	struct sim_file *f = new_file(m, &log);
	struct sim_proc *child;
	int err = 1;

	ck_assert_int_eq(sim_fd_install(parent, f, SIM_O_CLOEXEC), 3);
	ck_assert_int_eq(sim_fd_dup(parent, 3), 4);
	sim_fd_close(parent, 1);
	ck_assert_uint_eq(f->count, 2);
	child = sim_proc_fork(parent, &err);
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(sim_proc_pid(child), 101);
	ck_assert_str_eq(sim_proc_name(child), "zygote");
	ck_assert_uint_eq(f->count, 4);
	ck_assert_uint_eq(sim_tty(m)->count, 1 + 2 + 2);
	ck_assert_uint_eq(sim_fd_count(child), 4);
	ck_assert_ptr_null(sim_fd_peek(child, 1));
	ck_assert_ptr_eq(sim_fd_peek(child, 3), f);
	ck_assert_int_eq(sim_fd_get_flags(child, 3), SIM_FD_CLOEXEC);
	ck_assert_int_eq(sim_fd_get_flags(child, 4), 0);
	/* The copy is a table of its own; lowest free fd is 1 there too. */
	ck_assert_int_eq(sim_fd_dup(child, 0), 1);
	sim_fd_close(child, 3);
	ck_assert_ptr_eq(sim_fd_peek(parent, 3), f);
	sim_proc_exit(parent);
	sim_proc_exit(child);
	ck_assert_int_eq(log.n, 1);
	test_shutdown(m);
}
END_TEST

START_TEST(fork_of_a_big_table_and_its_failures)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *parent = spawn(m, "big", 0);
	struct sim_file *f = new_file(m, &log);
	struct sim_proc *child = NULL;
	unsigned long live, nth;
	int fd, err = 0;

	sim_fd_install(parent, f, 0);
	for (fd = 4; fd < 100; fd++)
		ck_assert_int_eq(sim_fd_dup(parent, 3), fd);
	live = sim_kobj_live(m);
	/* Fail each allocation fork makes in turn: nothing may stay. */
	for (nth = 1; !child; nth++) {
		sim_fault_arm(m, SIM_FAULT_KOBJ, nth);
		child = sim_proc_fork(parent, &err);
		sim_fault_disarm(m);
		if (child)
			break;
		ck_assert_int_eq(err, -ENOMEM);
		ck_assert_uint_eq(sim_kobj_live(m), live);
		ck_assert_uint_eq(f->count, 97);
		ck_assert_uint_eq(sim_tty(m)->count, 1 + 3);
	}
	ck_assert_uint_eq(nth, 3);	/* the process, then its table */
	ck_assert_int_eq(sim_proc_pid(child), 101);
	ck_assert_uint_eq(f->count, 2 * 97);
	ck_assert_ptr_eq(sim_fd_peek(child, 99), f);
	ck_assert_uint_eq(sim_fd_count(child), 100);
	test_shutdown(m);
	ck_assert_int_eq(log.n, 1);
}
END_TEST

/* --- exit ----------------------------------------------------------- */

START_TEST(exit_closes_every_fd_once_in_ascending_order)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *p = spawn(m, "app", 0);
	struct sim_file *f[3];
	int i;

	for (i = 0; i < 3; i++)
		f[i] = new_file(m, &log);	/* ino 2, 3, 4 */
	sim_fd_close(p, 1);
	/* fd 1 -> ino 4, fd 3 -> ino 2, fd 4 -> ino 3 */
	ck_assert_int_eq(sim_fd_install(p, f[2], 0), 1);
	ck_assert_int_eq(sim_fd_install(p, f[0], 0), 3);
	ck_assert_int_eq(sim_fd_install(p, f[1], 0), 4);
	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_int_eq(log.n, 3);
	ck_assert_uint_eq(log.ino[0], 4);
	ck_assert_uint_eq(log.ino[1], 2);
	ck_assert_uint_eq(log.ino[2], 3);
	ck_assert_uint_eq(sim_fd_count(p), 0);
	ck_assert_uint_eq(sim_tty(m)->count, 1);
	test_shutdown(m);
	ck_assert_int_eq(log.n, 3);
}
END_TEST

START_TEST(exit_leaves_a_zombie_and_twice_is_esrch)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_proc *p = spawn(m, "app", 0);
	struct sim_thread *t = thread(p, "worker");
	int err = 0;

	ck_assert_int_eq(sim_proc_exit(p), 0);
	ck_assert_int_eq(sim_proc_exit(p), -ESRCH);
	ck_assert_ptr_eq(sim_proc_find(m, 100), p);
	ck_assert(!sim_proc_alive(p));
	ck_assert_str_eq(sim_proc_name(p), "app");
	ck_assert_ptr_eq(sim_thread_proc(t), p);
	/* A zombie keeps its pid; it cannot fork or grow threads. */
	ck_assert_ptr_null(sim_proc_spawn(m, "again", 100, &err));
	ck_assert_int_eq(err, -EEXIST);
	ck_assert_ptr_null(sim_proc_fork(p, &err));
	ck_assert_int_eq(err, -ESRCH);
	ck_assert_ptr_null(sim_thread_create(p, "late", &err));
	ck_assert_int_eq(err, -ESRCH);
	test_shutdown(m);
}
END_TEST

struct pid_visit {
	int pids[8];
	int n;
	int stop_at;
};

static int record_pid(struct sim_proc *p, void *ctx)
{
	struct pid_visit *v = ctx;

	v->pids[v->n++] = sim_proc_pid(p);
	return sim_proc_pid(p) == v->stop_at ? -7 : 0;
}

START_TEST(foreach_visits_every_process_in_pid_order)
{
	struct sim_machine *m = test_boot(NULL);
	struct pid_visit v = { .n = 0, .stop_at = -1 };
	struct sim_proc *p;

	spawn(m, "late", 500);
	p = spawn(m, "a", 0);
	thread(p, "t");		/* 101: not a process */
	spawn(m, "b", 0);
	spawn(m, "early", 5);
	sim_proc_exit(p);	/* zombies are visited */
	ck_assert_int_eq(sim_proc_foreach(m, record_pid, &v), 0);
	ck_assert_int_eq(v.n, 4);
	ck_assert_int_eq(v.pids[0], 5);
	ck_assert_int_eq(v.pids[1], 100);
	ck_assert_int_eq(v.pids[2], 102);
	ck_assert_int_eq(v.pids[3], 500);
	v.n = 0;
	v.stop_at = 100;
	ck_assert_int_eq(sim_proc_foreach(m, record_pid, &v), -7);
	ck_assert_int_eq(v.n, 2);
	test_shutdown(m);
}
END_TEST

START_TEST(shutdown_exits_live_processes_and_frees_all)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a", 0);
	struct sim_proc *b = spawn(m, "b", 0);

	thread(a, "t1");
	thread(b, "t2");
	sim_fd_install(a, new_file(m, &log), 0);
	sim_fd_install(b, new_file(m, &log), 0);
	sim_proc_exit(b);
	ck_assert_int_eq(log.n, 1);
	test_shutdown(m);
	ck_assert_int_eq(log.n, 2);
}
END_TEST

START_TEST(shutdown_through_sim_shutdown_alone)
{
	struct sim_machine *m = test_boot(NULL);
	struct release_log log = { .n = 0 };
	struct sim_proc *a = spawn(m, "a", 0);

	thread(a, "t1");
	sim_fd_install(a, new_file(m, &log), 0);
	sim_shutdown(m);
	ck_assert_int_eq(log.n, 1);
}
END_TEST

static Suite *proc_suite(void)
{
	Suite *s = suite_create("sim-proc");
	TCase *t = tcase_create("spawn");

	tcase_add_test(t, spawn_numbers_from_100);
	tcase_add_test(t, spawn_given_pid_and_its_errors);
	tcase_add_test(t, spawn_truncates_long_names);
	tcase_add_test(t, spawn_injected_failure_takes_nothing);
	tcase_add_test(t, threads_take_tids_from_the_pid_space);
	tcase_add_test(t, pid_space_runs_out);
	suite_add_tcase(s, t);
	t = tcase_create("fork-exit");
	tcase_add_test(t, fork_copies_fds_with_a_ref_each_and_flags);
	tcase_add_test(t, fork_of_a_big_table_and_its_failures);
	tcase_add_test(t, exit_closes_every_fd_once_in_ascending_order);
	tcase_add_test(t, exit_leaves_a_zombie_and_twice_is_esrch);
	tcase_add_test(t, foreach_visits_every_process_in_pid_order);
	tcase_add_test(t, shutdown_exits_live_processes_and_frees_all);
	tcase_add_test(t, shutdown_through_sim_shutdown_alone);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(proc_suite)
