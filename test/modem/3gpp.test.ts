/**
 * Shared 3GPP parsers and the PSM timer encodings (3GPP TS 24.008 §10.5.7.3 / §10.5.7.4a), with the
 * vectors from modems.md: Zephyr bc66x requests "11000001","00000001" (320 h / 2 s); a real BC660K
 * answered `+CEREG: 4,5,"0001","0000ABCD",9,,,"00100011","00101010"` (active 3 min, TAU 10 h).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeT3324,
  decodeT3412,
  edrxCycleS,
  edrxStep,
  parseCedrxrdp,
  encodeT3324,
  encodeT3412,
  parseCclk,
  parseCereg,
  parseCeregLines,
  parseCesq,
  parseCsq,
  pickDigits,
  psmStep,
} from '../../firmware/modem/3gpp.ts';
import { RecoveryPolicy } from '../../firmware/modem/common.ts';

describe('PSM timers', () => {
  it('decodes the documented vectors', () => {
    expect(decodeT3412('11000001')).toBe(320 * 3600);
    expect(decodeT3324('00000001')).toBe(2);
    expect(decodeT3412('01000001')).toBe(10 * 3600);
    expect(decodeT3324('00100011')).toBe(3 * 60);
    expect(decodeT3412('00101010')).toBe(10 * 3600);
    expect(decodeT3412('11100000')).toBeNull();
    expect(decodeT3324('11100000')).toBeNull();
    expect(() => decodeT3412('0110')).toThrow();
  });

  it('encodes to the finest unit that reaches the value, never shorter than asked', () => {
    expect(encodeT3412(10 * 3600)).toBe('00101010'); // 10 × 1 h
    expect(encodeT3412(24 * 3600)).toBe('00111000'); // 24 × 1 h
    expect(encodeT3412(62)).toBe('01111111'); // 31 × 2 s
    expect(encodeT3412(90)).toBe('10000011'); // 3 × 30 s
    expect(encodeT3324(2)).toBe('00000001');
    expect(encodeT3324(60)).toBe('00011110'); // 30 × 2 s
    expect(encodeT3324(180)).toBe('00100011'); // 3 × 1 min
    expect(encodeT3412(-1)).toBe('11100000');
    for (const s of [2, 30, 60, 61, 600, 3600, 86400, 7 * 86400]) expect(decodeT3412(encodeT3412(s))!).toBeGreaterThanOrEqual(s);
    expect(() => encodeT3324(31 * 360 + 1)).toThrow(expect.objectContaining({ code: 'BAD_ARG' }));
    expect(psmStep(86400, 60).send).toBe('AT+CPSMS=1,,,"00111000","00011110"');
  });
});

describe('+CEREG', () => {
  it('parses the read form with n=4 PSM fields (real BC660K line)', () => {
    const r = parseCereg('+CEREG: 4,5,"0001","0000ABCD",9,,,"00100011","00101010"', true);
    expect(r).toMatchObject({ stat: 5, registered: true, roaming: true, tac: '0001', ci: '0000ABCD', act: 9, activeTimeS: 180, tauS: 36000 });
  });
  it('parses the URC form and the short read form', () => {
    expect(parseCereg('+CEREG: 1,"33C2","022FE6CF",9', false)).toMatchObject({ stat: 1, registered: true, tac: '33C2', act: 9 });
    expect(parseCereg('+CEREG: 0,2', true)).toMatchObject({ stat: 2, registered: false });
    expect(parseCereg('+CEREG: 3,"0001","0000ABCD",9,0,15', false)).toMatchObject({ denied: true, registered: false, rejectCause: 15 });
  });
  it('tells a URC that arrived inside an AT+CEREG? response from the read form', () => {
    const regs = parseCeregLines(['+CEREG: 1,"AB13","03E77E89",9', '+CEREG: 4,1,"AB13","03E77E89",9,,,"00100001","00101010"', '+CEREG: 2', '+CEREG: 4,2']);
    expect(regs.map((r) => r.stat)).toEqual([1, 1, 2, 2]);
    expect(regs[1]).toMatchObject({ activeTimeS: 60, tauS: 36000 });
  });
  it('treats unknown stat values as not registered (A7670E returned 11)', () => {
    expect(parseCereg('+CEREG: 0,11', true)).toMatchObject({ stat: 11, registered: false, denied: false });
  });
});

describe('signal, time, identity', () => {
  it('converts CSQ and CESQ to dBm', () => {
    expect(parseCsq('+CSQ: 20,99').rssiDbm).toBe(-73);
    expect(parseCsq('+CSQ: 99,99').rssiDbm).toBeNull();
    expect(parseCesq('+CESQ: 99,99,255,255,20,48')).toMatchObject({ rsrpDbm: -92, rsrqDb: -10 });
    expect(parseCesq('+CESQ: 99,99,255,255,255,255')).toMatchObject({ rsrpDbm: null, rsrqDb: null });
  });
  it('reads +CCLK with its quarter-hour zone', () => {
    expect(parseCclk('+CCLK: "26/11/22,15:36:30+04"')).toBe(Date.UTC(2026, 10, 22, 14, 36, 30));
    expect(parseCclk('+CCLK: "24/02/29,00:00:00-08"')).toBe(Date.UTC(2024, 1, 29, 2, 0, 0));
    expect(parseCclk('+CCLK: "80/01/06,00:00:10+00"')).toBeNull();
  });
  it('picks identities with or without a prefix', () => {
    expect(pickDigits(['+CGSN: 866425040123456'], 'IMEI')).toBe('866425040123456');
    expect(pickDigits(['460001234567890'], 'IMSI')).toBe('460001234567890');
    expect(pickDigits(['+QCCID: 89860000000000000000'], 'ICCID')).toBe('89860000000000000000');
    expect(() => pickDigits(['+CME ERROR'], 'IMSI')).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
  });
});

describe('eDRX', () => {
  it('reads the grant with its cycle length (TS 24.008 Table 10.5.5.32) and "not used"', () => {
    expect(parseCedrxrdp('+CEDRXRDP: 5,"0101","0101","0011"')).toEqual({ actType: 5, requested: '0101', granted: '0101', grantedCycleS: 81.92, ptw: '0011' });
    expect(parseCedrxrdp('+CEDRXRDP: 0')).toMatchObject({ actType: 0, granted: null, grantedCycleS: null });
    expect(edrxCycleS(9)).toBe(163.84);
    expect(edrxStep(5, 9).send).toBe('AT+CEDRXS=2,5,"1001"');
    expect(() => parseCedrxrdp('+CEDRXRDP: 4,"0101","012"')).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
  });
});

describe('recovery policy', () => {
  it('with healthyResetMs, resets the schedule only after that much good health', () => {
    const p = new RecoveryPolicy([600000, 1800000, 3600000], 3600000);
    p.rebooted(0);
    p.healthy(60000);
    expect(p.waitMs(60000)).toBe(540000);
    p.healthy(3600000);
    expect(p.waitMs(3600000)).toBe(0);
  });

  it('reboots at once, then only after 10 min, 30 min, 1 h, 1 h; healthy resets', () => {
    const p = new RecoveryPolicy([600000, 1800000, 3600000]);
    expect(p.waitMs(0)).toBe(0);
    p.rebooted(0);
    expect(p.waitMs(1000)).toBe(599000);
    p.rebooted(600000);
    expect(p.waitMs(600000)).toBe(1800000);
    p.rebooted(2400000);
    expect(p.waitMs(2400000)).toBe(3600000);
    p.rebooted(6000000);
    expect(p.waitMs(6000000)).toBe(3600000);
    p.healthy();
    expect(p.waitMs(6000001)).toBe(0);
  });
});
