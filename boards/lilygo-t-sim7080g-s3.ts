/**
 * LilyGO T-SIM7080G-S3 (ESP32-S3 + SIMCom SIM7080G Cat-M/NB-IoT + X-Powers AXP2101 PMU). Pins are LilyGO's
 * published layout: Xinyuan-LilyGO/LilyGo-T-SIM7080G examples/ModemMqttPublishExample/utilities.h, block
 * LILYGO_ESP32S3_CAM_SIM7080G:
 *   BOARD_MODEM_PWR_PIN 41, BOARD_MODEM_DTR_PIN 42, BOARD_MODEM_RI_PIN 3, BOARD_MODEM_RXD_PIN 4,
 *   BOARD_MODEM_TXD_PIN 5 (ESP32 side; Serial1.begin(115200, SERIAL_8N1, BOARD_MODEM_RXD_PIN,
 *   BOARD_MODEM_TXD_PIN)), I2C_SDA 15 / I2C_SCL 7 (the PMU), PMU_INPUT_PIN 6, USER_BUTTON_PIN 0.
 * PWRKEY pulse from LilyGO's examples: LOW, HIGH for 1000 ms, LOW.
 */
import type { BoardFile } from './schema.ts';

export default {
  id: 'lilygo-t-sim7080g-s3',
  extends: 'esp32-base',
  name: 'LilyGO T-SIM7080G-S3',
  description: 'LilyGO T-SIM7080G-S3 (ESP32-S3 + SIMCom SIM7080G Cat-M/NB-IoT, AXP2101 PMU) with an 18650 cell.',
  mcu: {
    chip: 'ESP32-S3',
    // process.env.BOARD of the ESP32-S3 build (boards/ESP32S3_IDF4.py). Same 16383 × 14 B JsVars and 896 KB Storage.
    espruino: { board: 'ESP32S3_IDF4', version: '2v29' },
  },
  // ESP32-S3 UART0 is on GPIO43 (TX) / GPIO44 (RX) (boards/ESP32S3_IDF4.py USART1_TX/RX). That build
  // defines ESP_USE_USB_SERIAL_JTAG, so the REPL normally appears on the S3's native USB port instead.
  console: { serial: 'Serial1', tx: 'D43', rx: 'D44', baud: 115200 },
  modem: {
    model: 'SIM7080G',
    uart: { serial: 'Serial2', tx: 'D5', rx: 'D4', baud: 115200 },
    pwrkey: { pin: 'D41', activeHigh: true, pulseMs: 1000 },
    // SIMCom DTR: low keeps the module awake, high lets it sleep after AT+CSCLK=1.
    wake: { pin: 'D42', activeHigh: false },
    ring: { pin: 'D3', activeHigh: false },
  },
  // The AXP2101 PMU (I2C address 0x34) powers the modem rails and measures the battery; it is not a
  // sensor type the simulator models, so the bus carries no devices here.
  i2c: [{ bus: 'I2C1', scl: 'D7', sda: 'D15', bitrate: 400000, devices: [] }],
  adc: [],
  gpio: { button: 'D0' },
  battery: {
    chemistry: '18650 Li-ion',
    capacityMah: 3000,
    nominalV: 3.6,
    assumed: true,
    note: 'typical 18650 cell rated 2500–3500 mAh; 3000 mAh used',
  },
  power: {
    mcu: {
      active240: { mA: 50, assumed: true, note: 'ESP32-S3 figure not in our sources; classic ESP32 upper bound used' },
      active80: { mA: 25, assumed: true, note: 'ESP32-S3 figure not in our sources; classic ESP32 upper bound used' },
      lightSleep: { mA: 0.24, assumed: true, note: 'ESP32-S3 light-sleep ≈240 µA (Espressif S3 datasheet, not verified here)' },
      deepSleep: { mA: 0.008, assumed: true, note: 'ESP32-S3 deep-sleep ≈8 µA with RTC peripherals (Espressif S3 datasheet, not verified here)' },
      hibernation: { mA: 0.007, assumed: true, note: 'ESP32-S3 deep-sleep with RTC memory only ≈7 µA (not verified here)' },
    },
    board: {
      quiescent: {
        mA: 0.1,
        assumed: true,
        note: 'no measurement of this board in our sources; AXP2101 PMU and regulators assumed ≈0.1 mA',
      },
    },
    modem: {
      psm: { mA: 0.0032, source: 'SIMCom vendor figure quoted in Xinyuan-LilyGO/LilyGo-T-SIM7080G issue 117: PSM 3.2 µA' },
      sleep: { mA: 0.6, source: 'SIMCom vendor figure quoted in Xinyuan-LilyGO/LilyGo-T-SIM7080G issue 117: sleep 600 µA' },
      off: { mA: 0, assumed: true, note: 'modem rail switched off by the AXP2101' },
      idle: { mA: 11, assumed: true, note: 'SIM7080G idle not in our sources; SIM7000 idle 11 mA (botletics SIM7000 shield wiki) used' },
      rx: { mA: 30, assumed: true, note: 'not in our sources; plausible Cat-M/NB-IoT connected-mode receive current' },
      tx: { mA: 167, assumed: true, note: 'SIM7080G Tx not in our sources; SIM7000 Tx at 23 dBm 167 mA (botletics SIM7000 shield wiki) used' },
    },
  },
  notes: [
    'Modem pins from LilyGO’s utilities.h (Xinyuan-LilyGO/LilyGo-T-SIM7080G, LILYGO_ESP32S3_CAM_SIM7080G).',
    'The modem is powered through the AXP2101 (DC3 3.0 V, BLDO2 3.3 V in LilyGO’s examples): firmware must enable those rails over I2C before the PWRKEY pulse.',
    'ESP32-S3 currents are assumptions until checked against the ESP32-S3 datasheet.',
  ],
} satisfies BoardFile;
