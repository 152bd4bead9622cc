/* Fuzz target: the SoftFileLock marker parser ("pid\nhost\n..."). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lock/lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* kill(pid, 0) sends nothing: probing any pid is harmless. */
	(void)lock_soft_owner_dead(s, "fuzz-host");
	free(s);
	return 0;
}
