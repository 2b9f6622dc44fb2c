// What the board does with an exception that reaches one of its callbacks.
//
// On the board an exception that escapes a timer, socket, serial or worker callback is an XS
// abort: an unexplained reboot. The adapters' own failures are values (a FlashStatus, an
// HttpsResult); what can still throw inside a callback is the firmware it calls — an assertion
// about money that no longer holds. That must stop the machine, as a failed assertion in a
// scheduled task does (the loop halts, the watchdog restarts it and boot recovery rebuilds the
// session from the ledger). So every callback an adapter registers runs through `guarded`: the
// exception is caught, said (where and why), and handed to the board's fault handler, which
// restarts on purpose instead of aborting.

export type FaultHandler = (where: string, error: unknown) => void;

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.length > 0 ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}

/** `callback`, with anything it throws handed to `onFault` instead of escaping. */
export function guarded<A extends unknown[]>(
  where: string,
  onFault: FaultHandler,
  callback: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => {
    try {
      callback(...args);
    } catch (error) {
      onFault(where, error);
    }
  };
}
