/**
 * Checks for the identifiers the registry stores. Device ids and fleet names become MQTT topic levels
 * (`sensornode/<fleet>/<device>`), so they may not hold '/', '+', '#' (MQTT 5.0 §4.7.1) or spaces.
 * Device ids are also the HKDF `id` input (tools/lib/codec/keys.ts), so they are fixed once created.
 */
import { UserError } from '../errors.ts';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkName(kind: 'fleet name' | 'device id', value: string): void {
  if (!NAME_RE.test(value)) {
    throw new UserError('BAD_NAME', `${kind} "${value}" must be 1-64 characters of A-Z a-z 0-9 . _ - and start with a letter or digit`);
  }
}

/** Luhn check digit over the first 14 digits (3GPP TS 23.003 §6.2.1, GSMA TS.06 Annex B). */
function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IMEI: 15 digits with a Luhn check digit (3GPP TS 23.003 §6.2.1). */
export function checkImei(imei: string): void {
  if (!/^\d{15}$/.test(imei)) throw new UserError('BAD_IMEI', `IMEI "${imei}" must be 15 digits (3GPP TS 23.003 §6.2.1)`);
  if (!luhnOk(imei)) throw new UserError('BAD_IMEI', `IMEI "${imei}" has a wrong check digit (Luhn, 3GPP TS 23.003 §6.2.1)`);
}

/** ICCID: up to 20 digits, 18-20 in practice (ITU-T E.118 §4.3; some SIMs end in hex F padding). */
export function checkIccid(iccid: string): void {
  if (!/^89\d{16,17}[0-9Ff]?$/.test(iccid)) {
    throw new UserError('BAD_ICCID', `ICCID "${iccid}" must be 18-20 digits starting with 89 (ITU-T E.118)`);
  }
}

/** IMSI: MCC (3) + MNC (2-3) + MSIN, at most 15 digits (3GPP TS 23.003 §2.2). */
export function checkImsi(imsi: string): void {
  if (!/^\d{6,15}$/.test(imsi)) throw new UserError('BAD_IMSI', `IMSI "${imsi}" must be 6-15 digits (3GPP TS 23.003 §2.2)`);
}
