/**
 * Typed codec errors for the host side. Decoding untrusted bytes returns these as values
 * (`Result<T>`), never throws them; a caller that wants to throw (the CLI) can, since CodecError is a
 * UserError and prints as one line.
 */
import { UserError } from '../errors.ts';

export type CodecErrorCode =
  | 'MALFORMED_CBOR' // not well-formed CBOR, or beyond the decoder's limits; `offset` = failing byte
  | 'BAD_STRUCTURE' // well-formed CBOR, but not a COSE_Encrypt0 / SenML pack of the expected shape
  | 'UNKNOWN_KID' // no device (or no active key) for the message's kid
  | 'AUTH_FAILED' // the Poly1305 tag does not verify: wrong key, wrong nonce, or tampered bytes
  | 'REPLAY' // counter already seen, or older than the replay window
  | 'OVERSIZE'; // input larger than the configured maximum

export class CodecError extends UserError {
  declare readonly code: CodecErrorCode;
  /** Byte offset of the problem in the input it refers to (see `message`), when there is one. */
  readonly offset?: number;
  constructor(code: CodecErrorCode, message: string, offset?: number) {
    super(code, message);
    this.name = 'CodecError';
    this.offset = offset;
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: CodecError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: CodecErrorCode, message: string, offset?: number): Result<T> {
  return { ok: false, error: new CodecError(code, message, offset) };
}
