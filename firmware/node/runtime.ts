/**
 * The node runtime a user's app plugs into. Every wake-up of an ESP32 is a full reboot (deep sleep
 * erases RAM), so one call of `runNode` is one wake: boot → load the provisioned config → sample when
 * due → append to the persistent queue → uplink when due (or urgent) → deep sleep until the next
 * event. Everything that must survive lives in Storage (config, state, queue, frame counter).
 *
 * Never a crash loop: a missing or corrupt config, a sensor that throws, a modem that fails — each is
 * printed on the console and the node sleeps; a watchdog ends any wake that runs too long.
 */
import board from 'sensornode:board';
import { frameCounter, type FrameCounter } from '../codec/counter.ts';
import type { CellularModem, ModemOptions } from '../modem/common.ts';
import type { Channel, Sensor } from '../drivers/sensor.ts';
import { loadConfig, type NodeConfig } from './config.ts';
import { append, pending } from './queue.ts';
import { loadState, saveState, type NodeState } from './state.ts';
import { runUplink } from './uplink.ts';

export interface NodeApp {
  /** Sensors sampled at every sample time, in order: their channels name the SenML records. */
  sensors: Sensor[];
  /** Builds the modem driver for this board (import only the driver you use: it keeps the bundle small). */
  modem: (opts: ModemOptions) => CellularModem;
  /** Pending samples kept at most (oldest dropped and counted beyond this). Default 2000. */
  maxQueue?: number;
  /** Samples per uplink message. Default 4. */
  samplesPerMessage?: number;
  /** Uplink at once when a sample satisfies this (e.g. an alarm). */
  urgent?: (values: number[]) => boolean;
  /** Called at every wake before sampling (e.g. count a pulse that woke the board). */
  onWake?: (cause: number, now: number) => void;
  /** Longest time a wake may run before the watchdog puts the node to sleep (ms). Default 10 min. */
  watchdogMs?: number;
  /**
   * Never deep-sleep: wait for the next event with a timer instead (RAM and setWatch stay alive, e.g. to
   * count pulses). The MCU then draws its active current all the time: the simulator's energy report
   * shows what that costs.
   */
  stayAwake?: boolean;
}

var SAFE_SLEEP_S = 3600;
var MAX_SLEEP_MARGIN_S = 2;

function log(s: string): void {
  console.log('sn: ' + s);
}

function round(v: number, digits: number | undefined): number {
  var m = Math.pow(10, digits === undefined ? 3 : digits);
  return Math.round(v * m) / m;
}

function maxSleepS(): number {
  return Math.floor(board.mcu.maxDeepSleepUs / 1e6) - MAX_SLEEP_MARGIN_S;
}

/**
 * Deep-sleeps for `s` seconds, chaining sleeps longer than the ESP32 limit (a C int of µs, ≈2147 s):
 * the target is stored in the state (`su`) and the next boot sleeps again without doing anything else.
 */
function sleepFor(storage: any, st: NodeState | undefined, now: number, s: number): void {
  var chunk = s;
  if (st) {
    st.sa = now;
    st.su = 0;
    if (s > maxSleepS()) {
      chunk = maxSleepS();
      st.su = now + s;
    }
    st.ss = chunk;
    saveState(storage, st);
  }
  if (chunk < 0.01) chunk = 0.01;
  log('sleep ' + Math.round(chunk) + ' s');
  ESP32.deepSleep(Math.round(chunk * 1e6));
}

export function channelsOf(sensors: Sensor[]): Channel[] {
  var out: Channel[] = [];
  sensors.forEach(function (s) {
    s.channels.forEach(function (c) {
      out.push(c);
    });
  });
  return out;
}

function readAll(sensors: Sensor[], channels: Channel[]): Promise<number[]> {
  var values: number[] = [];
  var p: Promise<any> = Promise.resolve();
  sensors.forEach(function (s) {
    p = p.then(function () {
      return s.read().then(function (v) {
        for (var i = 0; i < v.length; i++) values.push(v[i]);
      });
    });
  });
  return p.then(function () {
    return values.map(function (v, i) {
      return round(v, channels[i] ? channels[i].digits : undefined);
    });
  });
}

/** Where the node's clock stands after a reboot: Espruino's getTime(), restored from the state if it went backwards. */
function clockNow(st: NodeState): number {
  var now = getTime();
  if (st.sa > 0 && now + 1 < st.sa) {
    // The RTC did not survive the sleep: resume from when we slept plus how long.
    setTime(st.sa + st.ss);
    now = getTime();
  }
  return now;
}

/** What runNode returns: lets an app force an uplink (e.g. from a setWatch alarm) on awake nodes. */
export interface NodeHandle {
  /** Sample and uplink now (an always-awake node; on a sleeping node the next wake does it). */
  trigger(reason: string): void;
}

export function runNode(app: NodeApp): NodeHandle {
  var storage = require('Storage');
  var st: NodeState | undefined;
  var cfg: NodeConfig | string;
  var busy = false;
  var finished = false;
  var forced = '';
  var watchdog: any;
  var nextTimer: any;

  function finish(now: number, s: number): void {
    if (watchdog !== undefined) clearTimeout(watchdog);
    watchdog = undefined;
    if (app.stayAwake && st && typeof cfg !== 'string') {
      // Always-awake node: RAM survives, but the state is still persisted (power can fail any time).
      saveState(storage, st);
      busy = false;
      if (forced) return cycle();
      nextTimer = setTimeout(cycle, Math.max(1, s) * 1000);
      return;
    }
    if (finished) return;
    finished = true;
    sleepFor(storage, st, now, s);
  }

  function cycle(): void {
    if (busy || !st || typeof cfg === 'string') return;
    busy = true;
    if (nextTimer !== undefined) clearTimeout(nextTimer);
    nextTimer = undefined;
    var why = forced;
    forced = '';
    watchdog = setTimeout(function () {
      log('ERROR watchdog: this wake ran longer than ' + (app.watchdogMs || 600000) + ' ms');
      finish(getTime(), 60);
    }, app.watchdogMs || 600000);
    try {
      wake(app, cfg, st, storage, clockNow(st), why, finish);
    } catch (e) {
      log('ERROR ' + String(e) + ' — sleeping ' + SAFE_SLEEP_S + ' s');
      finish(getTime(), SAFE_SLEEP_S);
    }
  }

  try {
    st = loadState(storage, getTime());
    var now = clockNow(st);
    st.nb++;
    // A chained sleep that is not over yet: go straight back to sleep.
    if (st.su > 0 && now + 1 < st.su && !app.stayAwake) {
      finish(now, st.su - now);
    } else {
      st.su = 0;
      cfg = loadConfig(storage);
      if (typeof cfg === 'string') {
        log('ERROR ' + cfg + '. Provision it (sensornode provision). Sleeping ' + SAFE_SLEEP_S + ' s.');
        finished = true;
        sleepFor(storage, st, now, SAFE_SLEEP_S);
      } else {
        cycle();
      }
    }
  } catch (e) {
    log('ERROR ' + String(e) + ' — sleeping ' + SAFE_SLEEP_S + ' s');
    finished = true;
    sleepFor(storage, st, getTime(), SAFE_SLEEP_S);
  }
  return {
    trigger: function (reason: string) {
      log('trigger: ' + reason);
      forced = reason;
      if (!busy) cycle();
    },
  };
}

function wake(app: NodeApp, cfg: NodeConfig, st: NodeState, storage: any, now: number, forced: string, finish: (now: number, s: number) => void): void {
  var channels = channelsOf(app.sensors);
  var urgent = forced !== '';
  if (app.onWake) app.onWake(ESP32.getWakeupCause(), now);

  var step: Promise<any> = Promise.resolve();
  if (now + 0.5 >= st.ns || urgent) {
    step = readAll(app.sensors, channels).then(
      function (values) {
        var t = Math.round(getTime());
        var dropped = append(storage, st, { t: t, v: values }, app.maxQueue || 2000);
        st.nsm++;
        log(
          'sample t=' +
            t +
            ' ' +
            channels
              .map(function (c, i) {
                return c.name + '=' + values[i];
              })
              .join(' ') +
            (dropped ? ' (queue full: dropped ' + dropped + ')' : ''),
        );
        if (app.urgent && app.urgent(values)) urgent = true;
      },
      function (e) {
        log('ERROR sensor: ' + (e && e.message ? e.message : String(e)));
      },
    );
    if (now + 0.5 >= st.ns) {
      st.ns = st.ns + cfg.sampleS;
      if (st.ns <= now) st.ns = now + cfg.sampleS;
    }
  }

  step
    .then(function () {
      var t = getTime();
      if (pending(st) > 0 && (urgent || t + 0.5 >= st.nu)) {
        st.nup++;
        var counter: FrameCounter = frameCounter(storage, 'sn.fc', 16);
        return runUplink({ app: app, cfg: cfg, st: st, storage: storage, counter: counter, channels: channels, board: board, log: log }).then(function (ok) {
          var t2 = getTime();
          if (ok) {
            st.nok++;
            st.uf = 0;
            while (st.nu <= t2) st.nu += cfg.uplinkS;
          } else {
            // Back-off between failed sessions: 10 min, 30 min, 1 h (then every uplink interval at most).
            var backoff = [600, 1800, 3600][Math.min(st.uf, 2)];
            st.uf++;
            st.nu = t2 + Math.min(backoff, cfg.uplinkS);
          }
        });
      }
      if (t >= st.nu) while (st.nu <= t) st.nu += cfg.uplinkS;
    })
    .then(
      function () {
        var t = getTime();
        var next = Math.min(st.ns, st.nu);
        finish(t, next - t > 0 ? next - t : 1);
      },
      function (e) {
        log('ERROR ' + (e && e.message ? e.message : String(e)));
        finish(getTime(), 60);
      },
    );
}
