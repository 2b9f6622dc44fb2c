/*
 * The same four functions for the Linux board (Moddable's `lin` runtime under
 * tools/moddable/lin-host): restart ends the process with status 99, which the harness treats
 * as the board's reboot and starts the firmware again; random bytes come from getrandom(2); the
 * CRC-32 is the table-driven ISO-HDLC one with esp_rom_crc32_le's convention (complemented in
 * and out: 0 begins, a previous result continues), built on first use.
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

#define CRC32_POLYNOMIAL_REFLECTED 0xEDB88320u

static uint32_t crc32Table[256];
static int crc32TableBuilt = 0;

static void buildCrc32Table(void)
{
	for (uint32_t index = 0; index < 256; index++) {
		uint32_t value = index;
		for (int bit = 0; bit < 8; bit++)
			value = (value & 1) ? (value >> 1) ^ CRC32_POLYNOMIAL_REFLECTED : value >> 1;
		crc32Table[index] = value;
	}
	crc32TableBuilt = 1;
}

void xs_atm_crc32(xsMachine *the)
{
	uint32_t crc = xsmcToUnsigned(xsArg(0));
	xsIntegerValue start = xsmcToInteger(xsArg(2));
	xsIntegerValue end = xsmcToInteger(xsArg(3));
	void *data;
	xsUnsignedValue byteLength;
	// Last, and used before anything else runs: the buffer's bytes may move when XS allocates.
	xsmcGetBufferReadable(xsArg(1), &data, &byteLength);
	if (start < 0 || end < start || (xsUnsignedValue)end > byteLength)
		xsRangeError("crc32: range out of bounds");
	if (!crc32TableBuilt)
		buildCrc32Table();
	const uint8_t *bytes = (const uint8_t *)data + start;
	uint32_t length = (uint32_t)(end - start);
	uint32_t value = ~crc;
	for (uint32_t index = 0; index < length; index++)
		value = crc32Table[(value ^ bytes[index]) & 0xFF] ^ (value >> 8);
	xsmcSetUnsigned(xsResult, ~value);
}
