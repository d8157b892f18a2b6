/**
 * UART sleep as the Cat-1 models have it (Quectel EC200U `AT+QSCLK=1`, SIMCom A7670 `AT+CSCLK=1`): once
 * allowed, the module sleeps whenever its radio is idle and DTR (the board's wake line, if wired) is
 * inactive; DTR going active or radio activity wakes it. One implementation for both models.
 */
import { CellularModel, type CellularSpec } from './cellular.ts';
import type { ModelOptions, PinRole } from './model-base.ts';

export abstract class UartSleepModel extends CellularModel {
  /** The AT+QSCLK / AT+CSCLK setting: 1 allows sleep. */
  sclk = 0;
  dtrActive = false;
  protected readonly hasDtr: boolean;

  constructor(spec: CellularSpec, opts: ModelOptions) {
    super(spec, opts);
    this.hasDtr = !!opts.pins?.wake;
  }

  protected resetState(): void {
    super.resetState();
    this.sclk = 0;
  }

  protected onLevel(role: PinRole, active: boolean): void {
    if (role !== 'wake') return;
    this.dtrActive = active;
    if (active && this.life === 'sleep') this.wakeUp('DTR');
    else if (!active) this.maybeSleep();
  }

  protected wakeUp(why: string): void {
    this.life = 'on';
    this.setPower('idle');
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'wake', why });
  }

  /** Sleeps when allowed (sclk 1, DTR inactive or not wired) and the radio is idle. */
  protected maybeSleep(): void {
    if (this.life === 'on' && this.sclk === 1 && (!this.hasDtr || !this.dtrActive) && this.power === 'idle') {
      this.life = 'sleep';
      this.setPower('sleep');
      this.ctx.trace.emit('modem', { model: this.spec.name, event: 'sleep' });
    }
  }

  protected activity(airtimeMs: number): void {
    if (this.life === 'sleep') this.wakeUp('radio');
    this.radio(airtimeMs, false, () => this.maybeSleep());
  }
}
