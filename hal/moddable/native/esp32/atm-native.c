/*
 * Three ESP-IDF facts the firmware needs and no Moddable module exposes as documented API:
 * restarting the chip (the software watchdog and SystemInfo.restart), filling a buffer from the
 * hardware random number generator (the Random port), and whether this is a debug build (a
 * release build's trace() goes nowhere, so the board routes its screens to the console line).
 * ESP-IDF: esp_restart() (esp_system.h), esp_fill_random() (esp_random.h, IDF 5 and later).
 */
#include "xsmc.h"
#include "esp_system.h"
#include "esp_random.h"

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
