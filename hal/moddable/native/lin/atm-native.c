/*
 * The same three functions for the Linux board (Moddable's `lin` runtime under
 * tools/moddable/lin-host): restart ends the process with status 99, which the harness treats
 * as the board's reboot and starts the firmware again; random bytes come from getrandom(2).
 */
#include "xsmc.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#define RESTART_EXIT_STATUS 99

void xs_atm_restart(xsMachine *the)
{
	fprintf(stdout, "[board] restart\n");
	fflush(stdout);
	_exit(RESTART_EXIT_STATUS);
}

void xs_atm_fill_random(xsMachine *the)
{
	void *data;
	xsUnsignedValue byteLength;
	xsmcGetBufferWritable(xsArg(0), &data, &byteLength);
	uint8_t *bytes = data;
	while (byteLength > 0) {
		ssize_t got = getrandom(bytes, byteLength, 0);
		if (got <= 0)
			xsUnknownError("getrandom failed");
		bytes += got;
		byteLength -= (xsUnsignedValue)got;
	}
}

void xs_atm_debug_build(xsMachine *the)
{
#ifdef mxDebug
	xsmcSetTrue(xsResult);
#else
	xsmcSetFalse(xsResult);
#endif
}
