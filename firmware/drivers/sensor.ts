/**
 * What the node runtime needs from a sensor driver: the channels it yields (name + SenML unit) and a
 * read that resolves to one value per channel, in that order. Drivers receive their bus or pin in an
 * options object (design rule 4) and hold no global state, so a deep-sleep reboot is harmless.
 */
export interface Channel {
  /** SenML record name, e.g. "temp" */
  name: string;
  /** SenML unit (RFC 8428 §12.1), e.g. "Cel", "%RH", "%", "V" */
  unit: string;
  /** decimals kept when queueing (flash bytes and air bytes) */
  digits?: number;
}

export interface Sensor {
  channels: Channel[];
  read(): Promise<number[]>;
}

/** Resolves an Espruino pin given by name ('D34') or as a Pin. */
export function pinOf(p: any): any {
  return typeof p === 'string' ? (globalThis as any)[p] : p;
}
