/*
 * sim/inflight.c - fd passing over a socket (SCM_RIGHTS).
 *
 * Sending an fd is two steps, as in Linux: sendmsg takes a reference to
 * the file for the message (the file is "in flight", held by nobody's fd
 * table), and recvmsg installs it in the receiver.  Keeping the steps
 * apart lets a schedule put other events between them, and lets the
 * audit count the references that messages hold.  Tokens are never
 * reused, and messages are appended, so the list is in token order.
 *
 * When the receiving step fails (dead receiver, full table, injected
 * fault) the message stays in flight and the call changes nothing; the
 * caller retries or aborts it.  Linux would drop the file instead, but a
 * failed call that leaves no trace is what lets a schedule explore both.
 */
#include <errno.h>
#include <limits.h>

#include "sim/sim_internal.h"

/* The message with @token, or NULL. */
static struct sim_inflight *inflight_find(struct sim_machine *m, int token)
{
	struct sim_inflight *msg;

	TAILQ_FOREACH(msg, &m->procs.inflight, link)
		if (msg->token == token)
			return msg;
	return NULL;
}

/* Take @msg off the list and free it, handing back the reference it held. */
static struct sim_file *inflight_remove(struct sim_machine *m,
					struct sim_inflight *msg)
{
	struct sim_file *f = msg->file;

	TAILQ_REMOVE(&m->procs.inflight, msg, link);
	m->procs.ninflight--;
	sim_kfree(m, msg);
	return f;
}

int sim_fd_send_begin(struct sim_proc *from, int fd)
{
	struct sim_machine *m = from->m;
	struct sim_inflight *msg;
	struct sim_file *f;

	if (!from->alive)
		return -ESRCH;
	f = sim_fd_peek(from, fd);
	if (!f)
		return -EBADF;
	/* Tokens are ints and never reused: the supply is finite. */
	if (m->procs.next_token == INT_MAX)
		return -ENOMEM;
	msg = sim_kzalloc(m, sizeof(*msg));
	if (!msg)
		return -ENOMEM;
	sim_file_get(f);
	msg->file = f;
	msg->token = m->procs.next_token++;
	TAILQ_INSERT_TAIL(&m->procs.inflight, msg, link);
	m->procs.ninflight++;
	return msg->token;
}

int sim_fd_send_end(struct sim_machine *m, int token, struct sim_proc *to)
{
	struct sim_inflight *msg = inflight_find(m, token);
	int fd;

	if (!msg)
		return -ENOENT;
	if (!to->alive)
		return -ESRCH;
	fd = sim_fd_install(to, msg->file, 0);
	if (fd < 0)
		return fd;
	/* The install consumed the message's reference. */
	inflight_remove(m, msg);
	return fd;
}

int sim_fd_send_abort(struct sim_machine *m, int token)
{
	struct sim_inflight *msg = inflight_find(m, token);

	if (!msg)
		return -ENOENT;
	sim_file_put(inflight_remove(m, msg));
	return 0;
}

int sim_fd_send(struct sim_proc *from, int fd, struct sim_proc *to)
{
	int token = sim_fd_send_begin(from, fd);
	int ret;

	if (token < 0)
		return token;
	ret = sim_fd_send_end(from->m, token, to);
	if (ret < 0)
		sim_fd_send_abort(from->m, token);
	return ret;
}

unsigned int sim_inflight_count(const struct sim_machine *m)
{
	return m->procs.ninflight;
}

/* sim_inflight_foreach - see sim.h.  @fn may end or abort the message it
 * is given (the next one is found first). */
int sim_inflight_foreach(struct sim_machine *m,
			 int (*fn)(int token, struct sim_file *f, void *ctx),
			 void *ctx)
{
	struct sim_inflight *msg, *next;
	int ret;

	for (msg = TAILQ_FIRST(&m->procs.inflight); msg; msg = next) {
		next = TAILQ_NEXT(msg, link);
		ret = fn(msg->token, msg->file, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

void sim_inflight_drop_all(struct sim_machine *m)
{
	struct sim_inflight *msg;

	while ((msg = TAILQ_FIRST(&m->procs.inflight)))
		sim_file_put(inflight_remove(m, msg));
}
