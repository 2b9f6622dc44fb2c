// A TCP socket whose callbacks never let an exception escape.
//
// Why: the SDK's TLS socket (examples/io/tcp/tlssocket) runs the handshake inside the TCP
// socket's onReadable and onWritable, and the TLS code throws (a TLSError for a certificate it
// rejects, a bad record, an alert). Nothing above catches it, so the exception leaves the
// socket callback, and on the board an exception that escapes a callback is an XS abort: a
// reboot on every rejected certificate. The TLS socket takes its TCP class as an option
// (`TCP: {io}`), so this class slides in underneath it: every callback runs inside try/catch,
// the first exception is recorded in the request's `BankFailureNote` with its message (so the
// caller can say 'tls' and why), the socket is closed and the layer above is told through its
// own onError, exactly as if the peer had dropped the connection.
import TCP from 'embedded:io/socket/tcp';
import { describeError } from './fault';

/** Where a guarded socket leaves the first exception it caught, for the request it serves. */
export interface BankFailureNote {
  message: string | undefined;
}

type Callback = ((...args: unknown[]) => void) | undefined;

interface GuardedOptions {
  readonly onReadable?: Callback;
  readonly onWritable?: Callback;
  readonly onError?: Callback;
  /** Passed down by the HTTP client and TLS socket inside their spread of the socket options. */
  readonly failureNote?: BankFailureNote;
  readonly [option: string]: unknown;
}

export class GuardedTCP extends TCP {
  #failed = false;

  /** True once a callback threw: the socket is closed and says nothing more. */
  get failed(): boolean {
    return this.#failed;
  }

  constructor(options: GuardedOptions) {
    const note = options.failureNote;
    // biome-ignore lint/complexity/noUselessThisAlias: the guards are made before super() returns, when `this` cannot be named; they reach the socket through this variable.
    let socket: GuardedTCP | undefined;
    const onError = options.onError;
    const guard = (callback: Callback): Callback => {
      if (callback === undefined) return undefined;
      return (...args: unknown[]) => {
        if (socket?.failed) return;
        try {
          callback(...args);
        } catch (error) {
          if (socket !== undefined) socket.#fail(error, note, onError);
          else if (note !== undefined) note.message ??= describeError(error);
        }
      };
    };
    super({
      ...options,
      onReadable: guard(options.onReadable),
      onWritable: guard(options.onWritable),
      onError: guard(onError),
    } as unknown as ConstructorParameters<typeof TCP>[0]);
    socket = this;
  }

  #fail(error: unknown, note: BankFailureNote | undefined, onError: Callback): void {
    this.#failed = true;
    if (note !== undefined && note.message === undefined) note.message = describeError(error);
    try {
      this.close();
    } catch {
      // already closed by the layer that threw
    }
    try {
      onError?.();
    } catch {
      // the layer above failed while hearing of the failure; the note already says why
    }
  }
}
