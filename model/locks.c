/*
 * model/locks.c - the lock classes of the ION model (model/locks.h).
 *
 * The names are the ones the model's objects give their sim_mutexes when
 * they are made (model/device.c, client.c, buffer.c), so a lock met at a
 * scheduling point is classed by its name.
 */
#include <string.h>

#include "model/locks.h"

static const char *const classes[KION_NLOCK_CLASSES] = {
	"client->lock", "dev->lock", "dev->buffer_lock", "buffer->lock",
	"debugfs_mutex",
};

const char *kion_lock_class_name(unsigned int i)
{
	return i < KION_NLOCK_CLASSES ? classes[i] : NULL;
}

int kion_lock_class(const char *name)
{
	unsigned int i;

	for (i = 0; i < KION_NLOCK_CLASSES; i++)
		if (classes[i] == name || strcmp(classes[i], name) == 0)
			return (int)i;
	return -1;
}
