// Small text helpers for the console's tables. Numbers are grouped by three with spaces
// ("15 000"): groups that short are never taken for a card number by the masking.

export function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

export function groupThousands(value: number): string {
  const digits = String(Math.abs(Math.trunc(value)));
  let text = '';
  for (let index = 0; index < digits.length; index++) {
    if (index > 0 && (digits.length - index) % 3 === 0) text += ' ';
    text += digits[index];
  }
  return value < 0 ? `-${text}` : text;
}

/** Tiyn as tenge: "15 000.50 KZT". */
export function formatTiyn(tiyn: number): string {
  const whole = Math.trunc(tiyn / 100);
  const rest = Math.abs(tiyn % 100);
  const sign = tiyn < 0 && whole === 0 ? '-' : '';
  return `${sign}${groupThousands(whole)}.${rest < 10 ? '0' : ''}${rest} KZT`;
}

/** "3 d 04:05:06". */
export function formatDuration(durationMs: number): string {
  const totalS = Math.max(0, Math.floor(durationMs / 1000));
  const days = Math.floor(totalS / 86_400);
  const hours = Math.floor((totalS % 86_400) / 3600);
  const minutes = Math.floor((totalS % 3600) / 60);
  const seconds = totalS % 60;
  const two = (value: number) => (value < 10 ? `0${value}` : String(value));
  return `${days} d ${two(hours)}:${two(minutes)}:${two(seconds)}`;
}

/** A whole number within [min, max] from text of digits only, or undefined. */
export function parseCount(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^[0-9]{1,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}
