// Every error the library throws on bad input is one of these, with a message that names the
// problem (which tensor, which shape, which index). Callers can switch on `code`.

export type ErrorCode =
  | 'E_CONFIG'   // a model/optimizer/trainer option is missing, of the wrong type or out of range
  | 'E_SHAPE'    // an array has the wrong length or dimensions
  | 'E_VALUE'    // NaN, Infinity, or a value outside its domain (note out of range, label ≥ classes)
  | 'E_EMPTY'    // an empty sequence / data set where data is required
  | 'E_FORMAT'   // a file that is truncated, oversized, malformed or inconsistent
  | 'E_DISPOSED' // use after dispose()
  | 'E_NOT_FOUND'// a data set or file that is not where it was looked for
  | 'E_KERNEL'   // a contract check inside the WebAssembly core failed (debug build)
  | 'E_DIVERGED'// a training step's loss or gradient was not finite (the parameters were kept)
  | 'E_MEMORY'   // the model would need more WebAssembly memory than the engine can give
  | 'E_CORE_LOAD' // the WebAssembly core could not be fetched or compiled (browser entries)
  | 'E_QUEUE';   // the job queue (Redis) cannot be reached, or a job or its result is malformed

export class GatedRnnError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}
export class ConfigError extends GatedRnnError { constructor(m: string) { super('E_CONFIG', m); } }
export class ShapeError extends GatedRnnError { constructor(m: string) { super('E_SHAPE', m); } }
export class ValueError extends GatedRnnError { constructor(m: string, code: ErrorCode = 'E_VALUE') { super(code, m); } }
export class EmptyError extends GatedRnnError { constructor(m: string) { super('E_EMPTY', m); } }
export class FormatError extends GatedRnnError { constructor(m: string) { super('E_FORMAT', m); } }
export class DisposedError extends GatedRnnError { constructor(m: string) { super('E_DISPOSED', m); } }
export class NotFoundError extends GatedRnnError { constructor(m: string) { super('E_NOT_FOUND', m); } }
export class KernelError extends GatedRnnError { constructor(m: string) { super('E_KERNEL', m); } }
/** A training step whose loss or gradient norm is not finite; the parameters were not updated.
 *  `step` is the number the update would have had (1 = the first after setOptimizer). A kind of
 *  ValueError (a value out of its domain), with its own code. */
export class DivergedError extends ValueError {
  constructor(m: string, readonly step = 0) { super(m, 'E_DIVERGED'); }
}
/** The arena a model (or a batch shape) needs is larger than WebAssembly memory can hold. */
export class MemoryError extends GatedRnnError { constructor(m: string) { super('E_MEMORY', m); } }
/** The browser entries could not fetch or compile a WebAssembly core. `url` is where it was
 *  looked for (absent for bytes the caller gave), `status` the HTTP status when the server
 *  answered with one that is not OK. */
export class CoreLoadError extends GatedRnnError {
  constructor(m: string, readonly url?: string, readonly status?: number) { super('E_CORE_LOAD', m); }
}

/** The trial queue of `reproduce --queue` / `gatedrnn worker`: Redis cannot be reached, or a job
 *  or a result on the queue is not what this library puts there. */
export class QueueError extends GatedRnnError { constructor(m: string) { super('E_QUEUE', m); } }

/** Throws ValueError naming `what` and the first bad index if `a` holds NaN or ±Infinity. */
export function assertFinite(a: ArrayLike<number>, what: string): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) throw new ValueError(`${what}: element ${i} is ${v}; every value must be finite`);
  }
}

/** An input that describes more than a documented limit allows (bindings/io/limits.ts): too
 *  many header entries, time steps, notes, MIDI events, digits… It is found while parsing, before
 *  the input can use unbounded memory or time. A kind of FormatError (code 'E_FORMAT'); `limit`
 *  names the option that raises it and `max` is the value that was exceeded. */
export class LimitError extends FormatError {
  constructor(m: string, readonly limit: string, readonly max: number) { super(m); }
}
