/*
 * A headless host for an app built by `mcconfig -p lin`: Moddable's Linux runtime without its
 * GTK simulator (mcsim). mcconfig builds the app as mc.so; mcsim would open a window, dlopen
 * mc.so and call its fxScreenLaunch. This does the same with a GLib main loop and no window, so
 * the firmware's modules, the SDK's timers, ECMA-419 serial and sockets, workers and TLS run
 * exactly as Moddable's runtime runs them, on a machine with no display.
 *
 * What a JavaScript app sees of the host (the `screen` global fxScreenLaunch defines):
 *   screen.postMessage("exit N")   ends the process with status N (a test run's verdict);
 *   anything else posted           is written to stdout as one line.
 * An XS abort (an exception no one caught, a heap or stack exhausted) ends the process with
 * status 100 + the abort code, after XS has printed why: on the ESP32 the same abort is a
 * reboot, so the caller treats it as one.
 *
 * Usage: host path/to/mc.so [seconds]   (the optional timeout ends a hung run with status 124)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#define mxLinux 1
#include "screen.h"

#define EXIT_ABORT_BASE 100
#define EXIT_TIMEOUT 124
#define POSTED_MESSAGE_BYTES_MAX 4096

static GMainLoop *gLoop;
static int gExitStatus = 0;
static guint gIdleSource = 0;

static void hostAbort(txScreen *screen, int status)
{
	fprintf(stderr, "host: XS abort %d\n", status);
	fflush(stdout);
	fflush(stderr);
	_exit(EXIT_ABORT_BASE + status);
}

static void hostBufferChanged(txScreen *screen) {}
static void hostFormatChanged(txScreen *screen) {}

static void hostPost(txScreen *screen, char *message, int size)
{
	char text[POSTED_MESSAGE_BYTES_MAX + 1];
	int length = size ? size : (int)strlen(message);
	if (length > POSTED_MESSAGE_BYTES_MAX) length = POSTED_MESSAGE_BYTES_MAX;
	memcpy(text, message, length);
	text[length] = 0;
	if (0 == strncmp(text, "exit ", 5)) {
		gExitStatus = atoi(text + 5);
		g_main_loop_quit(gLoop);
		return;
	}
	fprintf(stdout, "%s\n", text);
	fflush(stdout);
}

static gboolean hostIdle(gpointer data)
{
	txScreen *screen = data;
	if (screen->idle) (*screen->idle)(screen);
	return G_SOURCE_CONTINUE;
}

/* screen.start(interval) asks for idle calls (Piu's animation clock); kept for completeness. */
static void hostStart(txScreen *screen, double interval)
{
	if (gIdleSource) g_source_remove(gIdleSource);
	gIdleSource = g_timeout_add(interval > 1 ? (guint)interval : 1, hostIdle, screen);
}

static void hostStop(txScreen *screen)
{
	if (gIdleSource) g_source_remove(gIdleSource);
	gIdleSource = 0;
}

static gboolean hostTimeout(gpointer data)
{
	fprintf(stderr, "host: no verdict after %d s\n", GPOINTER_TO_INT(data));
	gExitStatus = EXIT_TIMEOUT;
	g_main_loop_quit(gLoop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/mc.so [seconds]\n", argv[0]);
		return 2;
	}
	void *library = dlopen(argv[1], RTLD_NOW);
	if (!library) {
		fprintf(stderr, "host: %s\n", dlerror());
		return 2;
	}
	txScreenLaunchProc launch = (txScreenLaunchProc)dlsym(library, "fxScreenLaunch");
	if (!launch) {
		fprintf(stderr, "host: no fxScreenLaunch in %s\n", argv[1]);
		return 2;
	}
	/* A 1 x 1 screen: the firmware draws through its Display port, not this frame buffer. */
	txScreen *screen = calloc(1, sizeof(txScreen) + screenBytesPerPixel);
	screen->width = 1;
	screen->height = 1;
	screen->abort = hostAbort;
	screen->bufferChanged = hostBufferChanged;
	screen->formatChanged = hostFormatChanged;
	screen->post = hostPost;
	screen->start = hostStart;
	screen->stop = hostStop;
	mxCreateMutex(&screen->workersMutex);

	/* Line by line, as a serial log would: the caller reacts to screens as they are printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);
	gLoop = g_main_loop_new(NULL, FALSE);
	if (argc > 2) {
		int seconds = atoi(argv[2]);
		if (seconds > 0) g_timeout_add_seconds(seconds, hostTimeout, GINT_TO_POINTER(seconds));
	}
	(*launch)(screen);
	if (!screen->machine) {
		fprintf(stderr, "host: the XS machine could not be created\n");
		return 3;
	}
	g_main_loop_run(gLoop);
	fflush(stdout);
	/* Workers and sockets may still hold threads; the verdict is the exit status. */
	_exit(gExitStatus);
}
