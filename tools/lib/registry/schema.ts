/**
 * The registry's one SQLite schema and its migrations. The schema version lives in SQLite's own
 * `PRAGMA user_version` (https://sqlite.org/pragma.html#pragma_user_version) and the file is marked
 * with `PRAGMA application_id` (https://sqlite.org/fileformat.html#application_id) so another
 * program's database is refused instead of being "migrated".
 *
 * Migrations run inside one write transaction together with the new user_version, so a crash
 * mid-migration leaves the old version intact. A file whose version is
 * newer than this code knows is refused (never downgraded).
 *
 * Durability: WAL journal with synchronous=FULL, so a committed transaction (an ACKed reading) is on
 * disk when COMMIT returns, even across power loss (https://sqlite.org/pragma.html#pragma_synchronous:
 * "With synchronous=FULL in WAL mode, an additional sync of the WAL file happens after each
 * transaction commit... guarantees durability"). busy_timeout lets the provisioning CLI and the
 * ingest share the file.
 */
import Database from 'better-sqlite3';
import { UserError } from '../errors.ts';

export type Db = Database.Database;

/** 'SNRG' — sensornode registry. */
export const APPLICATION_ID = 0x534e5247;

/** Index i holds the SQL that brings version i to version i + 1. */
export const MIGRATIONS: readonly string[] = [
  // v1: fleets, devices, readings, audit log, downlinks
  `
  CREATE TABLE fleets (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created     REAL    NOT NULL,              -- UNIX seconds
    hkdf_salt   BLOB    NOT NULL DEFAULT x'',  -- RFC 8613 Master Salt for deriveDeviceKeys (empty by default)
    params      TEXT    NOT NULL DEFAULT '{}', -- JSON: AEAD / KDF parameters
    key_file    TEXT    NOT NULL               -- path of the root secret file (never the secret itself)
  ) STRICT;

  CREATE TABLE devices (
    id                  TEXT    PRIMARY KEY,
    fleet_id            INTEGER NOT NULL REFERENCES fleets(id) ON DELETE RESTRICT,
    kid                 BLOB    NOT NULL UNIQUE CHECK (length(kid) BETWEEN 1 AND 6),
    board               TEXT,
    modem               TEXT,
    imei                TEXT,
    iccid               TEXT,
    imsi                TEXT,
    key_version         INTEGER NOT NULL DEFAULT 1 CHECK (key_version >= 0),
    -- during a rotation: the version still accepted until the device uses the new one, and its window
    prev_key_version    INTEGER,
    prev_replay_highest INTEGER,
    prev_replay_bitmap  INTEGER,
    status              TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    created             REAL    NOT NULL,
    revoked             REAL,
    last_seen           REAL,
    last_counter        INTEGER,
    replay_highest      INTEGER NOT NULL DEFAULT -1,   -- tools/lib/codec/replay.ts state
    replay_bitmap       INTEGER NOT NULL DEFAULT 0,
    downlink_counter    INTEGER NOT NULL DEFAULT -1    -- last Partial IV used for a downlink to it
  ) STRICT;
  CREATE INDEX devices_fleet ON devices(fleet_id);

  CREATE TABLE readings (
    id           INTEGER PRIMARY KEY,
    device_id    TEXT    NOT NULL REFERENCES devices(id) ON DELETE RESTRICT,
    key_version  INTEGER NOT NULL,
    counter      INTEGER NOT NULL,
    idx          INTEGER NOT NULL,  -- record index inside the message's SenML pack
    name         TEXT    NOT NULL,
    unit         TEXT,
    value        REAL,              -- SenML v
    value_string TEXT,              -- SenML vs
    value_bool   INTEGER,           -- SenML vb (0/1)
    value_data   BLOB,              -- SenML vd
    sum          REAL,              -- SenML s
    time         REAL    NOT NULL,  -- UNIX seconds (float)
    received     REAL    NOT NULL,
    UNIQUE (device_id, key_version, counter, idx)
  ) STRICT;
  CREATE INDEX readings_device_time ON readings(device_id, time);

  CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      REAL    NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    fleet   TEXT,
    device  TEXT,
    detail  TEXT    NOT NULL DEFAULT '{}'
  ) STRICT;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

  CREATE TABLE downlinks (
    id        INTEGER PRIMARY KEY,
    device_id TEXT    NOT NULL REFERENCES devices(id) ON DELETE RESTRICT,
    payload   BLOB    NOT NULL,  -- CBOR plaintext; sealed per delivery with the device's key
    created   REAL    NOT NULL,
    sent      REAL,              -- when it went out in an ACK
    counter   INTEGER,           -- the downlink Partial IV it was sealed with
    via_counter INTEGER,         -- the uplink counter whose ACK carried it
    acked     REAL               -- when the device's next new uplink showed the exchange had ended
  ) STRICT;
  CREATE INDEX downlinks_pending ON downlinks(device_id, sent);

  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  INSERT INTO meta (key, value) VALUES ('next_kid_index', 0);
  `,
  // v2: one row per measurement. A device whose ACK was lost sends the same samples again under a new
  // counter (it cannot know they were stored); RFC 8428 §4.6 treats records with the same name and
  // time as the same measurement, so the copy is ignored (counted as a duplicate), never stored twice.
  `
  CREATE UNIQUE INDEX readings_measurement ON readings(device_id, name, time);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

function sqliteCode(e: unknown): string {
  return (e as { code?: string })?.code ?? '';
}

/** Wrap SQLite's "not a database" / corruption errors into a UserError naming the file. */
export function corruptError(path: string, e: unknown): UserError | null {
  const code = sqliteCode(e);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new UserError('REGISTRY_CORRUPT', `${path}: not a readable SQLite registry (${(e as Error).message})`, {
      hint: 'restore it from a backup, or pass --registry with the right file',
      cause: e,
    });
  }
  return null;
}

/** Open (creating if needed) and migrate a registry file; throws UserError with the path. */
export function openDatabase(path: string): Db {
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw corruptError(path, e) ?? new UserError('REGISTRY_OPEN', `${path}: cannot open registry: ${(e as Error).message}`, { cause: e });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, path);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof UserError) throw e;
    throw corruptError(path, e) ?? e;
  }
}

function migrate(db: Db, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
  if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
    throw new UserError('REGISTRY_FOREIGN', `${path}: an SQLite database, but not a sensornode registry (application_id ${appId})`, {
      hint: 'pass --registry with a sensornode registry file, or a new file name to create one',
    });
  }
  if (version > SCHEMA_VERSION) {
    throw new UserError('REGISTRY_TOO_NEW', `${path}: registry schema version ${version} is newer than this sensornode supports (${SCHEMA_VERSION})`, {
      hint: 'upgrade sensornode; the file is left unchanged',
    });
  }
  if (version === SCHEMA_VERSION) return;
  // re-read inside the write lock: another process may have migrated the file meanwhile
  db.transaction(() => {
    for (let v = db.pragma('user_version', { simple: true }) as number; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
}
