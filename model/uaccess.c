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
 *
 * Those syscalls cost about a microsecond each, which a replay of millions
 * of ioctls cannot afford; so a host thread may vouch for one range of its
 * own memory (the scenario interpreter's argument scratch), and copies that
 * lie wholly inside it are plain memcpy.  Everything else is still checked.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#include "model/kion.h"

/* The range this host thread vouches for: [trust_lo, trust_hi). */
static __thread uintptr_t trust_lo, trust_hi;

void kion_uaccess_trust(const void *base, size_t len)
{
	trust_lo = (uintptr_t)base;
	trust_hi = len ? trust_lo + len : trust_lo;
}

static bool trusted(unsigned long uptr, size_t len)
{
	return uptr >= trust_lo && len <= trust_hi - trust_lo &&
	       uptr - trust_lo <= trust_hi - trust_lo - len;
}

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
	if (trusted(uptr, len)) {
		if (to_user)
			memcpy((void *)uptr, local, len);
		else
			memcpy(local, (const void *)uptr, len);
		return true;
	}
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
