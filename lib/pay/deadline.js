// One exchange's deadline: aborts at timeoutMs, or when the caller's signal
// does. It is what the payer's connection pool hands undici, which takes any
// EventEmitter with `aborted` and `reason` as a signal: an AbortController
// costs several µs to make, more than the rest of a session call's argument
// checks. A transport that needs a real AbortSignal (a caller's fetch, an
// MCP call) asks for one (abortSignal()); it is made then, once.
import { EventEmitter } from 'node:events';

const timeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

export class Deadline extends EventEmitter {
  aborted = false;
  reason = undefined;
  #timer;
  #caller;
  #onCallerAbort = null;
  #controller = null;

  /** Armed at once: `timeoutMs` from now, or when `callerSignal` (an AbortSignal, optional) aborts. */
  constructor(timeoutMs, callerSignal = null) {
    super();
    this.#caller = callerSignal;
    this.#timer = setTimeout(() => this.#abort(timeoutError()), timeoutMs);
    this.#timer.unref?.();
    if (callerSignal?.aborted) {
      this.#abort(callerSignal.reason);
    } else if (callerSignal) {
      this.#onCallerAbort = () => this.#abort(callerSignal.reason);
      callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
  }

  #abort(reason) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.clear();
    this.#controller?.abort(reason);
    this.emit('abort');
  }

  /** The same deadline as an AbortSignal, for the APIs that take only that. */
  abortSignal() {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  /** Disarms it, once the exchange has ended. */
  clear() {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort !== null) {
      this.#caller.removeEventListener('abort', this.#onCallerAbort);
      this.#onCallerAbort = null;
    }
  }
}

/** What a transport passes on as a fetch's or an MCP call's `signal`. */
export const abortSignalOf = (signal) => (signal instanceof Deadline ? signal.abortSignal() : signal);
