// Display: the semantic Screen, written to the debug trace.
//
// Honest scope: the controller board has no panel driver yet. The firmware decides *what* is
// shown (a Screen: id, language, title, lines, fields, QR payload); this adapter logs each new
// screen as one trace line, so a technician with xsbug or the serial log sees exactly what a
// customer would. A real panel driver implements the same Display port: lay out title and lines
// in a Cyrillic-capable bitmap font (Kazakh needs Ә Ғ Қ Ң Ө Ұ Ү Һ І), draw the QR payload with a QR
// encoder, and push pixels over SPI with Poco/Commodetto — from its own task, since a full-screen
// redraw over SPI takes tens of milliseconds.
import type { Display, Screen } from '../ports';

/** Trace lines are for people: longer screens are cut, not the log flooded. */
export const TRACE_SCREEN_CHARS_MAX = 240;

export class TraceDisplay implements Display {
  #lastScreenId = '';
  screensShown = 0;

  show(screen: Screen): void {
    this.screensShown++;
    const text = `[screen ${screen.id}/${screen.language}] ${screen.title} | ${screen.lines.join(' | ')}${screen.qr === undefined ? '' : ' | [qr]'}`;
    // A screen redrawn with new values (a running total) is logged again; only exact repeats are not.
    if (screen.id === this.#lastScreenId && text === this.#lastText) return;
    this.#lastScreenId = screen.id;
    this.#lastText = text;
    trace(`${text.length > TRACE_SCREEN_CHARS_MAX ? `${text.slice(0, TRACE_SCREEN_CHARS_MAX)}...` : text}\n`);
  }

  #lastText = '';
}
