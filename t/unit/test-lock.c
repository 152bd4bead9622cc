/*
 * Unit tests: which flock errors mean "this file system has no flock".
 * ENOTSUP is SMB's answer on macOS and the BSDs, where it differs from
 * EOPNOTSUPP; on Linux the two are one value, so there this test only
 * guards the others.
 */
#include <errno.h>

#include "tap.h"
#include "lock/lock.h"

int main(void)
{
	ok(lock_errno_no_flock(ENOSYS), "ENOSYS: no flock");
	ok(lock_errno_no_flock(EOPNOTSUPP), "EOPNOTSUPP: no flock");
	ok(lock_errno_no_flock(ENOLCK), "ENOLCK: no flock");
	ok(lock_errno_no_flock(ENOTSUP), "ENOTSUP: no flock (value %d)",
	   ENOTSUP);
	ok(!lock_errno_no_flock(EWOULDBLOCK), "EWOULDBLOCK: held, not absent");
	ok(!lock_errno_no_flock(EINTR), "EINTR: interrupted, not absent");
	ok(!lock_errno_no_flock(EACCES), "EACCES: denied, not absent");
	ok(!lock_errno_no_flock(EBADF), "EBADF: a bug, not absent");
	ok(!lock_errno_no_flock(0), "no error");
	return done_testing();
}
