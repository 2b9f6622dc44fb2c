/*
 * Four ESP-IDF facts the firmware needs and no Moddable module exposes as documented API:
 * restarting the chip (the software watchdog and SystemInfo.restart), filling a buffer from the
 * hardware random number generator (the Random port), whether this is a debug build (a
 * release build's trace() goes nowhere, so the board routes its screens to the console line),
 * and the ROM's CRC-32 (the Crc port: every ledger header and record; the SDK has no CRC-32).
 * ESP-IDF: esp_restart() (esp_system.h), esp_fill_random() (esp_random.h, IDF 5 and later),
 * esp_rom_crc32_le() (esp_rom_crc.h: complements `crc` on the way in and the result on the way
 * out, so 0 begins a CRC-32/ISO-HDLC and a previous result continues it, as zlib's crc32()).
 */
#include "xsmc.h"
#include "esp_system.h"
#include "esp_random.h"
#include "esp_rom_crc.h"

void xs_atm_restart(xsMachine *the)
{
	esp_restart();
}

void xs_atm_fill_random(xsMachine *the)
{
	void *data;
	xsUnsignedValue byteLength;
	xsmcGetBufferWritable(xsArg(0), &data, &byteLength);
	esp_fill_random(data, byteLength);
}

void xs_atm_debug_build(xsMachine *the)
{
#ifdef mxDebug
	xsmcSetTrue(xsResult);
#else
	xsmcSetFalse(xsResult);
#endif
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
	xsmcSetUnsigned(xsResult, esp_rom_crc32_le(crc, (uint8_t const *)data + start, (uint32_t)(end - start)));
}
