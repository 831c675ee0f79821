/*
 * model/locks.h - the lock classes of the ION model, by name.
 *
 * The model takes its sim_mutexes where Linux 4.9 takes client->lock,
 * dev->lock, dev->buffer_lock, buffer->lock and the debugfs mutex
 * (ION-SPEC section 3.2).  A scheduler that preempts a thread between
 * critical sections names the point by the class of the lock just taken
 * or released; scenarios write that name in `preempt` lines.
 */
#ifndef IONSIM_MODEL_LOCKS_H
#define IONSIM_MODEL_LOCKS_H

enum { KION_NLOCK_CLASSES = 5 };

/* The name of lock class @i ("client->lock", ...), or NULL past the end. */
const char *kion_lock_class_name(unsigned int i);
/* The class called @name, or -1: names are those sim_mutex_init gets. */
int kion_lock_class(const char *name);

#endif /* IONSIM_MODEL_LOCKS_H */
