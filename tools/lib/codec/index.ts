/**
 * Host codec (Node): shared by the ingest, the CLI and the tests. Device-side counterpart:
 * firmware/codec/.
 */
export { CodecError, type CodecErrorCode, type Result } from './errors.ts';
export { encodeCbor, decodeCbor, UNTRUSTED_LIMITS, Tag } from './cbor.ts';
export { scanCbor, type ScanLimits, type ScanProblem } from './wellformed.ts';
export {
  COSE_ENCRYPT0_TAG, PROTECTED, ENC_AAD, SERVER_ID, MAX_COUNTER, partialIv, buildNonce, sealEncrypt0, sealDownlink,
  parseEncrypt0, decryptEncrypt0, type SealOptions, type Encrypt0,
} from './cose.ts';
export {
  deriveDeviceKeys, hkdfInfo, kidFromIndex, kidFromHex, kidToHex, MAX_KID_LENGTH, KEY_LENGTH, IV_LENGTH,
  type DeviceKeyMaterial,
} from './keys.ts';
export { checkReplay, INITIAL_REPLAY_STATE, REPLAY_WINDOW, type ReplayState } from './replay.ts';
export { resolveSenml, decodeSenml, type SenmlReading, type ResolveOptions } from './senml.ts';
export { openUplink, DEFAULT_MAX_UPLINK_BYTES, type DeviceKeys, type Uplink, type OpenUplinkOptions } from './uplink.ts';
