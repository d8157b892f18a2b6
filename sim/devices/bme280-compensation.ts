/**
 * BME280 trimming parameters and the datasheet's integer compensation formulas
 * (Bosch BST-BME280-DS002, §4.2.3 "Compensation formulas", §8.2 "Compensation formulas in 32 bit
 * fixed point" — BME280_compensate_T_int32, BME280_compensate_P_int64, bme280_compensate_H_int32).
 * Port of the published formulas; the 64-bit pressure formula uses BigInt.
 */

export interface Bme280Calib {
  T1: number; T2: number; T3: number;
  P1: number; P2: number; P3: number; P4: number; P5: number; P6: number; P7: number; P8: number; P9: number;
  H1: number; H2: number; H3: number; H4: number; H5: number; H6: number;
}

/**
 * Default trimming set. T1..P9 are the worked example of the BMP280 datasheet (BST-BMP280-DS001
 * §3.12, whose T/P compensation is identical to the BME280's); H1..H6 are values typical of BME280
 * modules (illustrative, not from a specific part).
 */
export const DEFAULT_CALIB: Bme280Calib = {
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
  H1: 75, H2: 362, H3: 0, H4: 313, H5: 50, H6: 30,
};

/** Calibration registers 0x88..0xA1 (26 bytes) and 0xE1..0xE7 (7 bytes), datasheet Table 16. */
export function encodeCalib(c: Bme280Calib): { lo: Uint8Array; hi: Uint8Array } {
  const lo = new Uint8Array(26);
  const dv = new DataView(lo.buffer);
  dv.setUint16(0, c.T1, true); dv.setInt16(2, c.T2, true); dv.setInt16(4, c.T3, true);
  dv.setUint16(6, c.P1, true);
  [c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9].forEach((v, i) => dv.setInt16(8 + 2 * i, v, true));
  lo[24] = 0; // 0xA0 reserved
  lo[25] = c.H1 & 0xff; // 0xA1
  const hi = new Uint8Array(7);
  const dh = new DataView(hi.buffer);
  dh.setInt16(0, c.H2, true); // 0xE1/0xE2
  hi[2] = c.H3 & 0xff; // 0xE3
  hi[3] = (c.H4 >> 4) & 0xff; // 0xE4 = H4[11:4]
  hi[4] = ((c.H5 & 0x0f) << 4) | (c.H4 & 0x0f); // 0xE5 = H5[3:0] << 4 | H4[3:0]
  hi[5] = (c.H5 >> 4) & 0xff; // 0xE6 = H5[11:4]
  dh.setInt8(6, c.H6); // 0xE7
  return { lo, hi };
}

/** Returns {T: 0.01 °C, tFine}. */
export function compensateT(adcT: number, c: Bme280Calib): { T: number; tFine: number } {
  const var1 = ((((adcT >> 3) - (c.T1 << 1))) * c.T2) >> 11;
  const var2 = (((((adcT >> 4) - c.T1) * ((adcT >> 4) - c.T1)) >> 12) * c.T3) >> 14;
  const tFine = (var1 + var2) | 0;
  return { T: (tFine * 5 + 128) >> 8, tFine };
}

/** Pressure in Pa as Q24.8 (divide by 256), 0 if var1 = 0. */
export function compensateP(adcP: number, tFine: number, c: Bme280Calib): number {
  const B = BigInt;
  let var1 = B(tFine) - 128000n;
  let var2 = var1 * var1 * B(c.P6);
  var2 = var2 + ((var1 * B(c.P5)) << 17n);
  var2 = var2 + (B(c.P4) << 35n);
  var1 = ((var1 * var1 * B(c.P3)) >> 8n) + ((var1 * B(c.P2)) << 12n);
  var1 = (((1n << 47n) + var1) * B(c.P1)) >> 33n;
  if (var1 === 0n) return 0;
  let p = 1048576n - B(adcP);
  p = (((p << 31n) - var2) * 3125n) / var1;
  var1 = (B(c.P9) * (p >> 13n) * (p >> 13n)) >> 25n;
  var2 = (B(c.P8) * p) >> 19n;
  p = ((p + var1 + var2) >> 8n) + (B(c.P7) << 4n);
  return Number(p);
}

/** Humidity in %RH as Q22.10 (divide by 1024). */
export function compensateH(adcH: number, tFine: number, c: Bme280Calib): number {
  let v = tFine - 76800;
  v = ((((adcH << 14) - (c.H4 << 20) - (c.H5 * v)) + 16384) >> 15) *
    (((((((v * c.H6) >> 10) * (((v * c.H3) >> 11) + 32768)) >> 10) + 2097152) * c.H2 + 8192) >> 14);
  v = v - (((((v >> 15) * (v >> 15)) >> 7) * c.H1) >> 4);
  v = v < 0 ? 0 : v;
  v = v > 419430400 ? 419430400 : v;
  return v >> 12;
}
