/*
 * model/uaccess.c - copy_from_user and copy_to_user for simulated
 * processes.
 *
 * A simulated process is the host program itself, so its "user pointers"
 * are host addresses.  A bad one must fail with EFAULT as in the kernel,
 * not crash the simulator: process_vm_readv/writev on our own pid do the
 * copy and report an unmapped or read-only page as an error.  A write to
 * read-only memory is refused because process_vm_writev honours page
 * protections, which is exactly copy_to_user's behaviour on such memory.
 *
 * Valgrind does not see a process_vm_* call write our own memory, so the
 * bytes it moved are declared defined to memcheck (a no-op natively).
 */
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#include "model/kion.h"

/* One cross-"process" copy; true when all @len bytes moved. */
static bool vm_copy(bool to_user, void *local, unsigned long uptr, size_t len)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = (void *)uptr, .iov_len = len };
	ssize_t n;

	if (len == 0)
		return true;
	if (uptr == 0)
		return false;
	n = to_user ? process_vm_writev(getpid(), &l, 1, &r, 1, 0)
		    : process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n > 0)
		(void)VALGRIND_MAKE_MEM_DEFINED(to_user ? r.iov_base : local,
						(size_t)n);
	return n == (ssize_t)len;
}

int kion_copy_from_user(void *dst, unsigned long uptr, size_t len)
{
	return vm_copy(false, dst, uptr, len) ? 0 : -EFAULT;
}

int kion_copy_to_user(unsigned long uptr, const void *src, size_t len)
{
	return vm_copy(true, (void *)src, uptr, len) ? 0 : -EFAULT;
}
