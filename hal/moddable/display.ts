// Display: the semantic Screen, written as one text line.
//
// Honest scope: the controller board has no panel driver yet. The firmware decides *what* is
// shown (a Screen: id, language, title, lines, fields, QR payload); this adapter writes each new
// screen as one line, so a technician sees exactly what a customer would. Where the line goes is
// the board's choice (board.ts): the debug trace in a debug build (xsbug), the console's serial
// line in a release build — a release build's trace() goes nowhere. A real panel driver
// implements the same Display port: lay out title and lines in a Cyrillic-capable bitmap font
// (Kazakh needs Ә Ғ Қ Ң Ө Ұ Ү Һ І), draw the QR payload with a QR encoder, and push pixels over
// SPI with Poco/Commodetto — from its own task, since a full-screen redraw over SPI takes tens of
// milliseconds.
import type { Display, Screen } from '../ports';

/** Lines are for people: longer screens are cut, not the log flooded. */
export const SCREEN_LINE_CHARS_MAX = 240;

export class LineDisplay implements Display {
  readonly #writeLine: (line: string) => void;
  #lastText = '';
  screensShown = 0;

  constructor(writeLine: (line: string) => void) {
    this.#writeLine = writeLine;
  }

  show(screen: Screen): void {
    this.screensShown++;
    const text = `[screen ${screen.id}/${screen.language}] ${screen.title} | ${screen.lines.join(' | ')}${screen.qr === undefined ? '' : ' | [qr]'}`;
    // A screen redrawn with new values (a running total) is written again; only exact repeats are not.
    if (text === this.#lastText) return;
    this.#lastText = text;
    this.#writeLine(`${text.length > SCREEN_LINE_CHARS_MAX ? `${text.slice(0, SCREEN_LINE_CHARS_MAX)}...` : text}\n`);
  }
}
