/**
 * Device registry (one SQLite schema) and fleet key files. Used by the ingest and the provisioning CLI.
 */
export { openRegistry, Registry, type Fleet, type Device, type DeviceStatus, type NewDevice, type NewFleet, type LogEntry, type LogRow, type StoredReading } from './registry.ts';
export { SCHEMA_VERSION, APPLICATION_ID, MIGRATIONS } from './schema.ts';
export { type UplinkRecord, type RecordResult, type RecordRefusal, type TakenDownlink, MAX_DOWNLINK_BYTES } from './uplinks.ts';
export { createKeyFile, readKeyFile, passphraseFromEnv, DEFAULT_SCRYPT, ROOT_SECRET_BYTES, type ScryptParams, type LoadedKey } from './keyfile.ts';
export { initFleet, loadFleetSecret, defaultKeyFile, type InitFleetOptions, type InitFleetResult } from './fleet.ts';
export { checkName, checkImei, checkIccid, checkImsi } from './validate.ts';
export { planDevice, plannedAsDevice, addPlannedDevice, findDevicesByImei, updateDeviceIdentity, type PlannedDevice, type Identity } from './provisioning.ts';
