/**
 * Error values of the device codec. Decoders and `open` return one of these instead of throwing, so a
 * malformed downlink can never crash the node runtime. Deliberately NOT a subclass of Error: Espruino
 * cannot extend Error (see espruino.md, "class E extends Error fails"); test with `instanceof CodecError`.
 *
 * Codes (same names as the host side, tools/lib/codec/errors.ts):
 * - MALFORMED_CBOR: not well-formed CBOR, or beyond the decoder's limits (offset = byte where it failed)
 * - BAD_STRUCTURE: well-formed, but not the expected COSE/SenML shape
 * - AUTH_FAILED: the Poly1305 tag does not verify (wrong key, wrong nonce or tampered bytes)
 * - REPLAY: a downlink counter that is not above the last accepted one
 * - REKEY_NEEDED: the frame counter reached its limit; no more messages may be sealed with this key
 * - STORAGE_FAILED: the frame counter could not be persisted, so no value may be issued
 */
export class CodecError {
  // `declare`: no class-field emit (a field without initializer is a syntax error in Espruino)
  declare code: string;
  declare message: string;
  declare offset: number;
  constructor(code: string, message: string, offset: number) {
    this.code = code;
    this.message = message;
    this.offset = offset;
  }
}
