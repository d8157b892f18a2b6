/**
 * I2C buses I2C1/I2C2: transactions are routed by 7-bit address to `I2CDevice` models (SHT3x, BME280,
 * your own). No device at the address → the transfer fails as a NACK would, and Espruino raises an
 * exception in the firmware (targets/esp32 I2C driver reports the ESP-IDF error as a JS exception).
 */
import type { I2CDevice, SimContext } from '../core/types.ts';
import { toHex, traceOn } from '../core/trace.ts';

export class I2CBusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

export class SimI2CBus {
  private devices = new Map<number, I2CDevice>();
  configured: { scl?: string; sda?: string; bitrate?: number } | undefined;

  constructor(
    readonly name: string,
    private readonly ctx: SimContext,
  ) {}

  add(dev: I2CDevice): void {
    if (this.devices.has(dev.address)) throw new Error(`${this.name}: two devices at address 0x${dev.address.toString(16)}`);
    this.devices.set(dev.address, dev);
  }

  device(address: number): I2CDevice | undefined {
    return this.devices.get(address);
  }

  private dev(address: number, op: string): I2CDevice {
    if (!this.configured) throw new I2CBusError(`${this.name} not set up: call ${this.name}.setup({scl, sda}) first`);
    const d = this.devices.get(address);
    if (!d) {
      this.ctx.trace.emit('i2c', { bus: this.name, op, addr: address, nack: true });
      throw new I2CBusError(`${this.name}: no ACK from address 0x${address.toString(16).padStart(2, '0')} (nothing at this address)`);
    }
    return d;
  }

  write(address: number, bytes: Uint8Array, stop: boolean): void {
    const d = this.dev(address, 'write');
    if (traceOn(this.ctx.trace)) this.ctx.trace.emit('i2c', { bus: this.name, op: 'write', addr: address, data: toHex(bytes), stop });
    try {
      d.write(bytes, stop);
    } catch (e) {
      throw rethrow(this.name, address, e);
    }
  }

  read(address: number, n: number): Uint8Array {
    const d = this.dev(address, 'read');
    let r: Uint8Array;
    try {
      r = d.read(n);
    } catch (e) {
      throw rethrow(this.name, address, e);
    }
    if (traceOn(this.ctx.trace)) this.ctx.trace.emit('i2c', { bus: this.name, op: 'read', addr: address, data: toHex(r) });
    return r;
  }
}

function rethrow(bus: string, address: number, e: unknown): Error {
  const err = e as Error;
  const x = new I2CBusError(err?.message ? err.message : `${bus}: transfer to 0x${address.toString(16)} failed`);
  return x;
}
