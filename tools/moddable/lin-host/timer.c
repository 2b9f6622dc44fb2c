/*
 * Timers for Moddable's Linux runtime that fire on the thread that made them.
 *
 * Why this file exists: the SDK 8.2.3's Linux timer (modules/base/timer/lin/timer.c) adds every
 * timer to GLib's global default main context (g_timeout_add), and keeps its timer list without
 * a lock. A Worker on Linux runs its own machine in its own thread with its own main context
 * (modules/base/worker/pcWorker.c), so the worker's timers — the HTTP client's, the TLS
 * socket's, the DNS resolver's, the bank worker's own timeout — were called on the *main*
 * thread, inside the main machine's loop, while the worker thread ran the same machine: seen as
 * crashes in xs_tcp_constructor, "xsSetHostData: not a host object" and hangs
 * (test/moddable/bank-link.test.ts). The ESP32 has its own timer code and is not affected.
 *
 * `npm run moddable:setup` puts this file in place of the SDK's (keeping the SDK's as
 * timer.c.sdk). The interface is the SDK's modTimer.h; each timer remembers the main context
 * of the thread that created it (g_main_context_ref_thread_default) and attaches its GLib
 * source there; the list of timers is guarded by a mutex.
 */
#include "xsmc.h"

#include "modTimer.h"
#include "modInstrumentation.h"

#include <unistd.h>

struct modTimerRecord {
	struct modTimerRecord *next;
	GMainContext *context;
	GSource *source;
	int16_t id;
	int8_t useCount;
	int32_t first;
	int32_t interval;
	modTimerCallback cb;
	uint32_t refconSize;
	char refcon[1];
};

static modTimer gTimers = NULL;
static txS2 gTimerID = 1;
static GMutex gTimersLock;

static gboolean timerFired(gpointer data);

/* Drops the timer's pending source, if any. Safe from inside that source's own dispatch. */
static void timerDetach(modTimer timer)
{
	if (timer->source) {
		g_source_destroy(timer->source);
		g_source_unref(timer->source);
		timer->source = NULL;
	}
}

/* Schedules the timer to fire after `ms` on its own thread's main context. */
static void timerAttach(modTimer timer, int ms)
{
	timerDetach(timer);
	timer->source = g_timeout_source_new(ms < 0 ? 0 : ms);
	/* An immediate one-shot (Timer.set(f)) runs before other sources, as the SDK's did. */
	g_source_set_priority(timer->source, (0 == timer->first && 0 == timer->interval) ? G_PRIORITY_HIGH : G_PRIORITY_DEFAULT);
	g_source_set_callback(timer->source, timerFired, timer, NULL);
	g_source_attach(timer->source, timer->context);
}

static gboolean timerFired(gpointer data)
{
	modTimer timer = data;
	GSource *firing = g_main_current_source();

	if (0 == timer->id) {
		modTimerRemove(timer);
		return G_SOURCE_REMOVE;
	}

	timer->useCount++;
	(timer->cb)(timer, timer->refcon, timer->refconSize);
	timer->useCount--;

	if ((timer->useCount <= 0) || (0 == timer->interval)) {
		modTimerRemove(timer);
		return G_SOURCE_REMOVE;
	}
	if (timer->source != firing)
		return G_SOURCE_REMOVE; /* the callback rescheduled it: the new source is already attached */
	if (timer->first != timer->interval) {
		timer->first = timer->interval; /* first interval done: repeat at the second */
		timerAttach(timer, timer->interval);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

modTimer modTimerAdd(int firstInterval, int secondInterval, modTimerCallback cb, void *refcon, int refconSize)
{
	modTimer timer = c_malloc(sizeof(struct modTimerRecord) + refconSize - 1);
	if (!timer) return NULL;

	timer->next = NULL;
	timer->context = g_main_context_ref_thread_default();
	timer->source = NULL;
	timer->useCount = 1;
	timer->cb = cb;
	timer->refconSize = refconSize;
	timer->first = firstInterval;
	timer->interval = secondInterval;
	c_memmove(timer->refcon, refcon, refconSize);

	g_mutex_lock(&gTimersLock);
	timer->id = ++gTimerID;
	if (!gTimers)
		gTimers = timer;
	else {
		modTimer walker;
		for (walker = gTimers; walker->next; walker = walker->next)
			;
		walker->next = timer;
	}
	g_mutex_unlock(&gTimersLock);

	timerAttach(timer, firstInterval);
	modInstrumentationAdjust(Timers, +1);
	return timer;
}

void modTimerReschedule(modTimer timer, int firstInterval, int secondInterval)
{
	timer->first = firstInterval;
	timer->interval = secondInterval;
	timerAttach(timer, firstInterval);
}

void modTimerUnschedule(modTimer timer)
{
	if (!timer || !timer->id)
		return;
	timerDetach(timer);
}

int modTimerGetSecondInterval(modTimer timer)
{
	return timer->source ? timer->interval : -1;
}

void *modTimerGetRefcon(modTimer timer)
{
	return (void *)timer->refcon;
}

void modTimerRemove(modTimer timer)
{
	modTimer walker, prev = NULL;
	int freeIt = 0;

	if (NULL == timer)
		return;

	timerDetach(timer);

	g_mutex_lock(&gTimersLock);
	for (walker = gTimers; NULL != walker; prev = walker, walker = walker->next) {
		if (timer == walker) {
			timer->id = 0; /* can't be found again by script */
			timer->cb = NULL;
			timer->useCount--;
			if (timer->useCount <= 0) {
				if (NULL == prev)
					gTimers = walker->next;
				else
					prev->next = walker->next;
				freeIt = 1;
			}
			break;
		}
	}
	g_mutex_unlock(&gTimersLock);

	if (freeIt) {
		g_main_context_unref(timer->context);
		c_free(timer);
		modInstrumentationAdjust(Timers, -1);
	}
}

void modTimerDelayMS(uint32_t ms)
{
	usleep(ms * 1000);
}
