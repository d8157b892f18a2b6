/**
 * `import board from 'sensornode:board'` — the board the firmware is built for (`sensornode build
 * --board <id>`), as data: its modem wiring, buses, ADC inputs and GPIO roles. The build inlines it
 * (tools/lib/build/index.ts, boardModule), so firmware never hard-codes pins.
 */
declare module 'sensornode:board' {
  interface BoardUart {
    serial: 'Serial1' | 'Serial2' | 'Serial3';
    tx: string;
    rx: string;
    baud: number;
  }
  interface BoardLine {
    pin: string;
    activeHigh: boolean;
    pulseMs?: number;
  }
  interface SensornodeBoard {
    id: string;
    name: string;
    mcu: { chip: string; maxDeepSleepUs: number };
    console: BoardUart;
    modem?: { model: string; uart: BoardUart; pwrkey?: BoardLine; reset?: BoardLine; wake?: BoardLine; powerEnable?: BoardLine; apn?: string };
    i2c: { bus: 'I2C1' | 'I2C2'; scl: string; sda: string; bitrate: number; devices: { type: string; address: number; name: string }[] }[];
    adc: { pin: string; role: string; name: string; dividerRatio?: number; fullScaleV?: number }[];
    gpio: { led?: string; button?: string; pulse?: string; alarm?: string };
  }
  const board: SensornodeBoard;
  export default board;
}
