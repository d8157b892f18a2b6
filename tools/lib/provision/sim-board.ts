/**
 * A simulated board on a pty WITH its modem: serveBoard (sim/serve.ts) plus the board's modem model on
 * the modem UART and control pins, wired as simulate() does it (sim/modems/index.ts wireBoardModem).
 * `sensornode sim serve` serves these too. The batch's `sim` rows and the tests provision these
 * through the same serial code path as a real board.
 */
import type { Board } from '../../../boards/schema.ts';
import { serveBoard, type ServedBoard, type ServeOptions } from '../../../sim/serve.ts';
import type { NetworkSpec } from '../../../sim/modems/network.ts';
import type { UdpBridge } from '../../../sim/modems/udp.ts';
import { wireBoardModem } from '../../../sim/modems/index.ts';
import type { ModemModelBase } from '../../../sim/modems/model-base.ts';
import { loadBoard } from '../boards.ts';

export interface SimBoardWithModem extends ServedBoard {
  /** The modem model (undefined when served without one). */
  readonly modem: ModemModelBase | undefined;
}

export interface ServeWithModemOptions extends Omit<ServeOptions, 'board' | 'peers'> {
  board: Board | string;
  /** The cell network the modem sees; false: no modem model (its UART stays silent). Default 'good'. */
  network?: NetworkSpec | false;
}

export async function serveWithModem(o: ServeWithModemOptions): Promise<SimBoardWithModem> {
  const board = typeof o.board === 'string' ? await loadBoard(o.board) : o.board;
  let udp: UdpBridge | undefined;
  let model: ModemModelBase | undefined;
  const served = await serveBoard({
    ...o,
    board,
    peers: (sb) => {
      if (o.network === false || !board.modem) return;
      ({ model, udp } = wireBoardModem(sb, board.modem, o.network ?? 'good'));
    },
  });
  return {
    get path() {
      return served.path;
    },
    get board() {
      return served.board;
    },
    get console() {
      return served.console;
    },
    get done() {
      return served.done;
    },
    modem: model,
    async close() {
      await served.close();
      udp?.close();
    },
  };
}
