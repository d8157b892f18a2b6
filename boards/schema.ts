/**
 * The typed shape of a board definition (design: boards are declarative data, layered
 * base → board → add-on). A board file default-exports a `BoardFile`; `extends` names the base whose
 * fields it overrides (deep merge; arrays replace). The loader (tools/lib/boards.ts) resolves the
 * chain and validates the result into a `Board`.
 */

/** A current figure with where it comes from. Either `source` (datasheet, measurement) or `assumed`. */
export interface CurrentFigure {
  /** Current in milliamps at the board's supply. */
  mA: number;
  /** Citation: document and section, or URL of a measurement. */
  source?: string;
  /** True when no primary figure exists and the number is a stated assumption. */
  assumed?: boolean;
  note?: string;
}

/** Espruino pin name on ESP32: D0..D39 (S3: up to D48). */
export type PinName = `D${number}`;

export type ModemModel = 'BC660K-GL' | 'SIM7080G' | 'EC200U' | 'EG915U' | 'EC800N' | 'A7670' | 'A7672';

export interface McuDef {
  chip: 'ESP32' | 'ESP32-S3';
  /** Espruino build reported in process.env: BOARD and VERSION. */
  espruino: { board: string; version: string };
  /** JS variable blocks available (ESP32: (free heap − 40000) / 14, capped at 16383). */
  jsVars: number;
  /** Bytes per JsVar block (process.memory().blocksize). */
  jsVarBytes: number;
  /** Memory limit for the simulator's engine (bytes); derived from jsVars unless given. */
  memoryLimitBytes: number;
  /** Native stack limit for the simulator's engine (bytes). */
  stackLimitBytes: number;
  /** Storage (flash file system) geometry. ESP32 2v26+: 896 KB at 0x320000 in 4 KB pages. */
  storage: { bytes: number; pageBytes: number };
  /** Longest ESP32.deepSleep argument in µs the firmware can pass (C int). */
  maxDeepSleepUs: number;
}

export interface UartDef {
  serial: 'Serial1' | 'Serial2' | 'Serial3';
  tx: PinName;
  rx: PinName;
  baud: number;
}

/**
 * A control line between MCU and modem. `pulseMs` (extension): how long the line is held active for a
 * pulse (PWRKEY on/off, RESET), from the modem's hardware design; absent for level lines.
 */
export interface ControlLine {
  pin: PinName;
  activeHigh: boolean;
  pulseMs?: number;
}

export interface ModemDef {
  model: ModemModel;
  uart: UartDef;
  /** PWRKEY line (MCU output); active level as wired (many boards drive it through a transistor). */
  pwrkey?: ControlLine;
  reset?: ControlLine;
  /** BC660K PSM_EINT / SIMCom DTR wake line. */
  wake?: ControlLine;
  /** (extension) Modem RI / RING output to the MCU (input on the MCU). */
  ring?: ControlLine;
  /** (extension) Board switch that powers the modem (e.g. LilyGO T-A7670 BOARD_POWERON_PIN). */
  powerEnable?: ControlLine;
  /** Network and SIM defaults used by the simulator's network model. */
  apn?: string;
}

export type SensorType = 'SHT3x' | 'BME280';

export interface I2CBusDef {
  bus: 'I2C1' | 'I2C2';
  scl: PinName;
  sda: PinName;
  bitrate: number;
  devices: { type: SensorType; address: number; name: string }[];
}

export interface AdcDef {
  pin: PinName;
  /** What the pin measures. */
  role: 'battery' | 'soil-moisture' | 'analog';
  name: string;
  /** battery: V_pin = V_batt * ratio (e.g. 100k/100k divider = 0.5). */
  dividerRatio?: number;
  /** ESP32 ADC full-scale voltage with the attenuation used (11 dB ≈ 3.3 V). */
  fullScaleV?: number;
}

export interface GpioDef {
  led?: PinName;
  button?: PinName;
  /** Pulse input (e.g. reed switch of a water meter). */
  pulse?: PinName;
  /** Digital alarm input (e.g. leak sensor). */
  alarm?: PinName;
}

export interface BatteryDef {
  chemistry: string;
  capacityMah: number;
  nominalV: number;
  source?: string;
  /** (extension) True when the capacity is a stated assumption rather than a cited figure. */
  assumed?: boolean;
  note?: string;
}

export interface Board {
  id: string;
  name: string;
  description: string;
  /** Ids of the chain this board was resolved from, base first. */
  lineage: string[];
  mcu: McuDef;
  console: UartDef;
  modem?: ModemDef;
  i2c: I2CBusDef[];
  adc: AdcDef[];
  gpio: GpioDef;
  battery?: BatteryDef;
  /** component → state → current. Components: 'mcu', 'board' (regulator, USB bridge), 'modem', sensor names. */
  power: Record<string, Record<string, CurrentFigure>>;
  /** (extension) Assumptions and wiring notes a user should read, with their sources. */
  notes?: string[];
  /** (extension) Where the board was loaded from (set by the loader), e.g. `boards/devkitc-bc660k.ts`. */
  file?: string;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What a board file exports: a partial board layered on `extends`. */
export type BoardFile = DeepPartial<Omit<Board, 'lineage' | 'file'>> & {
  id: string;
  extends?: string;
  /** (extension) A base only meant to be extended (not listed as a board to build for). */
  abstract?: boolean;
};
