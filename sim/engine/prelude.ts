/**
 * The Espruino ESP32 API, written in JavaScript and evaluated in every fresh QuickJS context before
 * the firmware. It talks to the host through one function, `__sys(op, ...args)` (removed from the
 * global scope before the firmware runs), and the host calls back into it through the dispatcher it
 * registers with `__sys('dispatch', fn)`. Binary data crosses the boundary as ArrayBuffer; inside
 * the sandbox, Espruino strings are 8-bit "binary strings" (one char per byte), as on ESP32 builds.
 *
 * API surface follows Espruino 2v29's reference (https://www.espruino.com/Reference, ESP32 port) and
 * the facts in the project's Espruino reference notes. The core deletes every global and method
 * Espruino lacks (espruino.md "Missing globals"), so firmware that reaches for them fails in the
 * simulator as it does on the device.
 *
 * Why chunks: QuickJS compiled to WebAssembly parses about 5 KB per millisecond, and a fresh context
 * per boot would re-parse the whole API at every wake-up (a year of 15-minute wake-ups is 35,040
 * boots). So the core only defines lazy accessors; each API group below is compiled the first time
 * firmware touches one of its names (an accessor on the global, on E, on ESP32 or on
 * Object.prototype), then replaces the accessors with plain values. Observable behaviour is the same
 * as eager installation except that the names are accessors until first use.
 */
import { transformSync } from 'esbuild';

export const PRELUDE_FILENAME = 'espruino:api';

/** Installed in every fresh context before the firmware runs. */
const CORE_SOURCE = String.raw`(function (G) {
var sys = G.__sys, OD = Date, defProp = Object.defineProperty, loaded = {}, H = { sys: sys, OD: OD, UTC: Date.UTC, G: G };
delete G.__sys;
function need(n) { if (!loaded[n]) { loaded[n] = 1; sys('chunk', n)(H, G); } }
function lazy(t, names, chunk) {
  names.split(',').forEach(function (n) {
    defProp(t, n, {
      configurable: true,
      get: function () { need(chunk); return t[n]; },
      set: function (v) { defProp(this, n, { value: v, writable: true, configurable: true, enumerable: this !== G }); }
    });
  });
}
H.need = need;
H.lazy = lazy;
H.hide = function (o, k, v) { defProp(o, k, { value: v, writable: true, configurable: true, enumerable: false }); };
function print() {
  var s = [], i, a;
  for (i = 0; i < arguments.length; i++) {
    a = arguments[i];
    if (typeof a === 'object' && a !== null || typeof a === 'function') { need('fmt'); a = H.fmt(a, true); }
    s.push(String(a));
  }
  sys('print', s.join(' ') + '\n');
}
G.print = print;
G.console = { log: print, info: print, warn: print, error: print, debug: print };
G.getTime = function () { return sys('now') / 1000; };
Math.random = function () { return sys('random'); };
G.require = function (n) {
  n = String(n);
  if (n === 'Storage' || n === 'crypto') { need(n); return H[n]; }
  throw new Error('Module ' + n + ' not found');
};
/* Pins are plain objects (Espruino's D0..D39, D0..D48 on ESP32-S3); their methods are compiled on first use. */
function Pin(n) { this.n = n; }
Pin.prototype.toString = Pin.prototype.toJSON = function () { return 'D' + this.n; };
Pin.prototype.valueOf = function () { return this.n; };
H.Pin = Pin;
H.maxPin = sys('maxPin');
for (var i = 0; i <= H.maxPin; i++) G['D' + i] = new Pin(i);
lazy(Pin.prototype, 'read,write,set,reset,toggle,mode,getMode,getInfo', 'pins');
lazy(Object.prototype, 'on,addListener,prependListener,emit,removeListener,removeAllListeners', 'events');
lazy(G, 'setTimeout,setInterval,clearTimeout,clearInterval,changeInterval', 'timers');
lazy(G, 'setTime,echo,btoa,atob,load,reset,save', 'misc');
lazy(G, 'Date', 'date');
lazy(G, 'Pin,pinMode,getPinMode,digitalWrite,digitalRead,digitalPulse', 'gpio');
lazy(G, 'analogRead,analogWrite', 'adc');
lazy(G, 'setWatch,clearWatch', 'watch');
lazy(G, 'Serial,Serial1,Serial2,Serial3', 'serial');
lazy(G, 'I2C,I2C1,I2C2', 'i2c');
lazy(G, 'process', 'process');
lazy(G, 'E', 'E');
lazy(G, 'ESP32', 'esp32');
/* With the engine's memory snapshot (sim/engine/engine.ts) the whole API is installed once, up front. */
if (sys('eager')) 'bin,events,fmt,timers,misc,date,pins,gpio,adc,watch,serial,i2c,process,E,esp32,Storage,sfile,crypto'.split(',').forEach(need);
sys('dispatch', function (kind, a, b, c, d) {
  if (kind === 'timer') { if (H.onTimer) H.onTimer(a); }
  else if (kind === 'watch') { if (H.onWatch) H.onWatch(a, b, c, d); }
  else if (kind === 'serial') { need('serial'); H.onSerial(a, b); }
  else if (kind === 'init') { if (loaded.E && loaded.events) G.E.emit('init'); if (typeof G.onInit === 'function') G.onInit(); }
  else if (kind === 'kill') { if (loaded.E && loaded.events) G.E.emit('kill'); }
  else if (kind === 'eval') return (0, eval)(a);
  else if (kind === 'format') { need('fmt'); return H.fmt(a, false); }
});
/* remove what Espruino 2v29 lacks (espruino.md "Missing globals") */
'G:Map,Set,WeakMap,WeakSet,WeakRef,FinalizationRegistry,Symbol,BigInt,Proxy,Reflect,Iterator,SharedArrayBuffer,BigInt64Array,BigUint64Array,Float16Array,AggregateError,Atomics,queueMicrotask,structuredClone,std,os,scriptArgs,WebAssembly,performance;A:from,of,fromAsync;a:flat,flatMap,at,findLast,findLastIndex,lastIndexOf,reduceRight,keys,entries,values,copyWithin,toReversed,toSorted,toSpliced,with;S:raw,fromCodePoint;s:trimStart,trimEnd,trimLeft,trimRight,at,codePointAt,matchAll,normalize,isWellFormed,toWellFormed,localeCompare;O:freeze,is,isFrozen,groupBy,seal,isSealed,preventExtensions,isExtensible;M:imul,trunc,clz32,fround,hypot,log2,cbrt,sumPrecise,f16round;N:isInteger,isFinite,isNaN,isSafeInteger,EPSILON,MAX_SAFE_INTEGER,MIN_SAFE_INTEGER;p:finally;P:allSettled,race,any,withResolvers,try;D:UTC'.split(';').forEach(function (g) {
  var o = { G: G, A: Array, a: Array.prototype, S: String, s: String.prototype, O: Object, M: Math, N: Number, p: Promise.prototype, P: Promise, D: OD }[g[0]];
  g.slice(2).split(',').forEach(function (k) { delete o[k]; });
});
})(globalThis);
`;

/** API groups compiled on first use; each body runs as function (H, G) { ... }. */
const CHUNK_SOURCES: Record<string, string> = {
  bin: String.raw`
var fromCC = String.fromCharCode;
H.ab2s = function (ab) {
  if (ab === undefined || ab === null) return ab;
  var u = new Uint8Array(ab), s = '', i;
  for (i = 0; i < u.length; i += 4096) s += fromCC.apply(null, u.subarray(i, i + 4096));
  return s;
};
/* Espruino's data argument rules: string, number (one byte), array / typed array / ArrayBuffer, {data,count}. */
function bytesOf(d, out) {
  var i, n;
  if (d === undefined || d === null) return out;
  if (typeof d === 'string') { for (i = 0; i < d.length; i++) out.push(d.charCodeAt(i) & 255); return out; }
  if (typeof d === 'number' || typeof d === 'boolean') { out.push(d & 255); return out; }
  if (d instanceof ArrayBuffer) d = new Uint8Array(d);
  else if (ArrayBuffer.isView(d) && !(d instanceof Uint8Array)) d = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (d instanceof Uint8Array) { for (i = 0; i < d.length; i++) out.push(d[i]); return out; }
  if (Array.isArray(d)) { for (i = 0; i < d.length; i++) bytesOf(d[i], out); return out; }
  if (typeof d === 'object' && d.data !== undefined) { n = d.count === undefined ? 1 : d.count; for (i = 0; i < n; i++) bytesOf(d.data, out); return out; }
  out.push(Number(d) & 255);
  return out;
}
H.bytesOf = bytesOf;
H.toAB = function (d) { return new Uint8Array(bytesOf(d, [])).buffer; };
H.argsAB = function (args, from) { var out = [], i; for (i = from; i < args.length; i++) bytesOf(args[i], out); return new Uint8Array(out).buffer; };
`,
  events: String.raw`
var hide = H.hide, OP = Object.prototype;
function listeners(o, ev, create) {
  var k = '#on' + ev;
  if (!OP.hasOwnProperty.call(o, k)) { if (!create) return undefined; hide(o, k, []); }
  return o[k];
}
hide(OP, 'on', function (ev, fn) { listeners(this, ev, true).push(fn); return this; });
hide(OP, 'addListener', OP.on);
hide(OP, 'prependListener', function (ev, fn) { listeners(this, ev, true).unshift(fn); return this; });
hide(OP, 'emit', function (ev) {
  var l = listeners(this, ev, false), a = [], i;
  if (!l) return;
  for (i = 1; i < arguments.length; i++) a.push(arguments[i]);
  l = l.slice();
  for (i = 0; i < l.length; i++) l[i].apply(this, a);
});
hide(OP, 'removeListener', function (ev, fn) {
  var l = listeners(this, ev, false), i;
  if (!l) return;
  i = l.indexOf(fn);
  if (i >= 0) l.splice(i, 1);
});
hide(OP, 'removeAllListeners', function (ev) {
  if (ev !== undefined) { if (listeners(this, ev, false)) this['#on' + ev] = []; return; }
  Object.getOwnPropertyNames(this).forEach(function (n) { if (n.indexOf('#on') === 0) this[n] = []; }, this);
});
H.listeners = listeners;
`,
  fmt: String.raw`
function fmt(v, top) {
  if (typeof v === 'string') return top ? v : JSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'function') return 'function () { [native code] }';
  if (typeof v !== 'object') return String(v);
  if (v instanceof Error || (typeof v.message === 'string' && typeof v.name === 'string')) return v.name + ': ' + v.message;
  if (v instanceof H.OD) return v.toString();
  if (H.Pin && v instanceof H.Pin) return v.toString();
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
    var u = v instanceof ArrayBuffer ? new Uint8Array(v) : v, parts = [], i;
    for (i = 0; i < u.length; i++) parts.push(String(u[i]));
    return 'new ' + (v.constructor && v.constructor.name || 'Uint8Array') + '([' + parts.join(', ') + '])';
  }
  if (Array.isArray(v)) return '[ ' + v.map(function (x) { return fmt(x, false); }).join(', ') + ' ]';
  var ks = Object.keys(v);
  if (!ks.length) return '{  }';
  return '{ ' + ks.map(function (k) { return JSON.stringify(k) + ': ' + fmt(v[k], false); }).join(', ') + ' }';
}
H.fmt = fmt;
`,
  timers: String.raw`
var sys = H.sys, timers = {}, nextTimer = 1;
function addTimer(fn, ms, args, rep) {
  var id = nextTimer++, a = [], i;
  if (typeof fn === 'string') { var code = fn; fn = function () { (0, eval)(code); }; }
  if (typeof fn !== 'function') throw new TypeError('Function or String not supplied!');
  for (i = 2; i < args.length; i++) a.push(args[i]);
  ms = Number(ms);
  if (!(ms >= 0)) ms = 0;
  timers[id] = { fn: fn, args: a, rep: rep };
  sys('timer', id, ms, rep);
  return id;
}
function clearTimer(id) {
  var k;
  if (id === undefined) { for (k in timers) { delete timers[k]; sys('clearTimer', Number(k)); } return; }
  if (!timers[id]) return;
  delete timers[id];
  sys('clearTimer', id);
}
G.setTimeout = function (fn, ms) { return addTimer(fn, ms, arguments, false); };
G.setInterval = function (fn, ms) { return addTimer(fn, ms, arguments, true); };
G.clearTimeout = clearTimer;
G.clearInterval = clearTimer;
G.changeInterval = function (id, ms) {
  if (!timers[id]) throw new Error("Can't find Interval");
  sys('changeInterval', id, Number(ms));
};
H.onTimer = function (id) {
  var t = timers[id];
  if (!t) return;
  if (!t.rep) delete timers[id];
  t.fn.apply(undefined, t.args);
};
`,
  misc: String.raw`
var sys = H.sys, E = G.E;
H.need('bin');
G.setTime = function (s) { sys('setTime', Number(s) * 1000); };
G.echo = function (on) { sys('echo', !!on); };
G.btoa = function (s) { return sys('btoa', H.toAB(s)); };
G.atob = function (s) { return H.ab2s(sys('atob', String(s))); };
G.load = function (file) { E.emit('kill'); sys('load', file === undefined ? null : String(file)); for (;;) {} };
G.reset = function (clearFlash) { E.emit('kill'); sys('reset', !!clearFlash); for (;;) {} };
G.save = function () { E.emit('kill'); sys('save'); };
`,
  date: String.raw`
var OD = H.OD, UTC = H.UTC, tz = 0, hide = H.hide, sys = H.sys;
function nowMs() { return sys('now'); }
H.setTz = function (m) { tz = m; };
function VDate(a, b, c, d, e, f, g) {
  var n = arguments.length, dt;
  if (!(this instanceof VDate)) return new VDate().toString();
  if (n === 0) dt = new OD(nowMs());
  else if (n === 1) dt = new OD(typeof a === 'string' ? OD.parse(a) : a);
  else dt = new OD(UTC(a, b, n > 2 ? c : 1, n > 3 ? d : 0, n > 4 ? e : 0, n > 5 ? f : 0, n > 6 ? g : 0) - tz * 60000);
  Object.setPrototypeOf(dt, VDate.prototype);
  return dt;
}
VDate.prototype = OD.prototype;
hide(VDate.prototype, 'constructor', VDate);
VDate.now = nowMs;
VDate.parse = function (s) { return OD.parse(s); };
/* Local time = UTC + E.setTimeZone offset (Espruino default 0), never the host's zone. */
['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds'].forEach(function (f) {
  var get = OD.prototype['getUTC' + f], set = OD.prototype['setUTC' + f];
  hide(OD.prototype, 'get' + f, function () { return get.call(new OD(this.getTime() + tz * 60000)); });
  if (set) hide(OD.prototype, 'set' + f, function () {
    var l = new OD(this.getTime() + tz * 60000);
    set.apply(l, arguments);
    return this.setTime(l.getTime() - tz * 60000);
  });
});
hide(OD.prototype, 'getTimezoneOffset', function () { return -tz; });
var DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function p2(n) { return (n < 10 ? '0' : '') + n; }
hide(OD.prototype, 'toString', function () {
  var o = -this.getTimezoneOffset(), ao = o < 0 ? -o : o;
  return DAYS[this.getDay()] + ' ' + MONTHS[this.getMonth()] + ' ' + this.getDate() + ' ' + this.getFullYear() + ' ' +
    p2(this.getHours()) + ':' + p2(this.getMinutes()) + ':' + p2(this.getSeconds()) + ' GMT' + (o < 0 ? '-' : '+') +
    p2((ao / 60) | 0) + p2(ao % 60);
});
G.Date = VDate;
`,
  pins: String.raw`
var hide = H.hide, Pin = H.Pin, P = Pin.prototype;
hide(P, 'read', function () { return G.digitalRead(this); });
hide(P, 'write', function (v) { G.digitalWrite(this, v); });
hide(P, 'set', function () { G.digitalWrite(this, 1); });
hide(P, 'reset', function () { G.digitalWrite(this, 0); });
hide(P, 'toggle', function () { var v = !H.sys('pinState', 'D' + this.n); G.digitalWrite(this, v); return v; });
hide(P, 'mode', function (m) { G.pinMode(this, m); });
hide(P, 'getMode', function () { return H.sys('getPinMode', 'D' + this.n); });
hide(P, 'getInfo', function () { return { port: 'D', num: this.n, channel: this.n >= 32 ? this.n - 32 : undefined }; });
H.pinName = function (p) {
  if (p instanceof Pin) return 'D' + p.n;
  if (typeof p === 'number' && p >= 0 && p <= H.maxPin && p === (p | 0)) return 'D' + p;
  if (typeof p === 'string' && /^D\d+$/.test(p)) return p;
  throw new TypeError('Expecting a Pin, got ' + typeof p);
};
`,
  gpio: String.raw`
var sys = H.sys;
H.need('pins');
var pinName = H.pinName;
function digitalWrite(p, v) {
  var k;
  if (Array.isArray(p)) { for (k = p.length - 1; k >= 0; k--) digitalWrite(p[k], (v >> (p.length - 1 - k)) & 1); return; }
  sys('digitalWrite', pinName(p), v ? 1 : 0);
}
function digitalRead(p) {
  var k, r = 0;
  if (Array.isArray(p)) { for (k = 0; k < p.length; k++) r = (r << 1) | digitalRead(p[k]); return r; }
  return sys('digitalRead', pinName(p));
}
G.Pin = function (n) { return new H.Pin(Number(n)); };
G.pinMode = function (p, m, auto) { sys('pinMode', pinName(p), m === undefined ? 'auto' : String(m), !!auto); };
G.getPinMode = function (p) { return sys('getPinMode', pinName(p)); };
G.digitalWrite = digitalWrite;
G.digitalRead = digitalRead;
G.digitalPulse = function (p, v, t) {
  var ts = Array.isArray(t) ? t : [t], k;
  for (k = 0; k < ts.length; k++) sys('digitalPulse', pinName(p), (k % 2 === 0) === !!v ? 1 : 0, Number(ts[k]));
};
`,
  adc: String.raw`
H.need('pins');
G.analogRead = function (p) { return H.sys('analogRead', H.pinName(p)); };
G.analogWrite = function (p, v, opts) { H.sys('analogWrite', H.pinName(p), Number(v), JSON.stringify(opts || {})); };
`,
  watch: String.raw`
var sys = H.sys, watches = {}, nextWatch = 1;
H.need('pins');
H.onWatch = function (a, b, c, d) {
  var w = watches[a];
  if (!w) return;
  if (!w.rep) delete watches[a];
  var e = { state: !!b, time: c, lastTime: d };
  if (w.data !== undefined) e.data = sys('digitalRead', H.pinName(w.data));
  w.fn(e);
};
G.setWatch = function (fn, p, opts) {
  var id, o;
  if (typeof fn === 'string') { var code = fn; fn = function () { (0, eval)(code); }; }
  if (typeof fn !== 'function') throw new TypeError('Function or String not supplied!');
  o = typeof opts === 'object' && opts ? opts : { repeat: !!opts };
  id = nextWatch++;
  watches[id] = { fn: fn, rep: !!o.repeat, data: o.data };
  sys('setWatch', id, H.pinName(p), JSON.stringify({ repeat: !!o.repeat, edge: o.edge === undefined ? 'both' : o.edge, debounce: o.debounce }));
  return id;
};
G.clearWatch = function (id) {
  var k;
  if (id === undefined) { for (k in watches) { delete watches[k]; sys('clearWatch', Number(k)); } return; }
  if (!watches[id]) throw new Error('Unknown Watch ' + id);
  delete watches[id];
  sys('clearWatch', id);
};
`,
  serial: String.raw`
var sys = H.sys, serials = {}, OP = Object.prototype;
H.need('bin');
H.need('events');
function Serial(name) { H.hide(this, 'name', name); serials[name] = this; }
Serial.prototype.setup = function (baud, opts) { sys('serialSetup', this.name, baud === undefined ? 9600 : Number(baud), JSON.stringify(opts || {})); };
Serial.prototype.write = function () { sys('serialWrite', this.name, H.argsAB(arguments, 0)); };
Serial.prototype.print = function (s) { sys('serialWrite', this.name, H.toAB(String(s))); };
Serial.prototype.println = function (s) { sys('serialWrite', this.name, H.toAB(String(s) + '\r\n')); };
Serial.prototype.available = function () { return sys('serialAvailable', this.name); };
Serial.prototype.read = function (n) { return H.ab2s(sys('serialRead', this.name, n === undefined ? -1 : Number(n))); };
Serial.prototype.inject = function () { sys('serialInject', this.name, H.argsAB(arguments, 0)); };
Serial.prototype.setConsole = function (force) { sys('setConsole', this.name, !!force); };
Serial.prototype.on = function (ev, fn) {
  OP.on.call(this, ev, fn);
  if (ev === 'data') sys('serialListen', this.name, true);
  return this;
};
Serial.prototype.removeAllListeners = function (ev) {
  OP.removeAllListeners.call(this, ev);
  if (ev === undefined || ev === 'data') sys('serialListen', this.name, false);
};
Serial.prototype.removeListener = function (ev, fn) {
  OP.removeListener.call(this, ev, fn);
  var l = H.listeners(this, 'data', false);
  if (ev === 'data' && (!l || !l.length)) sys('serialListen', this.name, false);
};
H.onSerial = function (name, data) { if (serials[name]) serials[name].emit('data', H.ab2s(data)); };
G.Serial = Serial;
G.Serial1 = new Serial('Serial1');
G.Serial2 = new Serial('Serial2');
G.Serial3 = new Serial('Serial3');
`,
  i2c: String.raw`
var sys = H.sys;
H.need('bin');
function I2C(name) { H.hide(this, 'name', name); }
function addrOf(a) { return typeof a === 'object' && a ? { address: Number(a.address), stop: a.stop !== false } : { address: Number(a), stop: true }; }
I2C.prototype.setup = function (opts) { sys('i2cSetup', this.name, JSON.stringify(opts || {})); };
I2C.prototype.writeTo = function (a) { var x = addrOf(a); sys('i2cWrite', this.name, x.address, H.argsAB(arguments, 1), x.stop); };
I2C.prototype.readFrom = function (a, n) { var x = addrOf(a); return new Uint8Array(sys('i2cRead', this.name, x.address, Number(n), x.stop)); };
I2C.prototype.readReg = function (a, reg, n) {
  sys('i2cWrite', this.name, Number(a), H.toAB(reg), false);
  return new Uint8Array(sys('i2cRead', this.name, Number(a), Number(n), true));
};
G.I2C = I2C;
G.I2C1 = new I2C('I2C1');
G.I2C2 = new I2C('I2C2');
`,
  process: String.raw`
var sys = H.sys, env = sys('env');
G.process = { version: env.VERSION, env: env, memory: function (gc) { return sys('memory', gc !== false); } };
`,
  E: String.raw`
var sys = H.sys, E = {};
G.E = E;
H.need('bin');
E.srand = function (s) { sys('srand', Number(s)); };
E.hwRand = function () { return sys('hwRand'); };
E.reboot = function () { sys('reboot'); for (;;) {} };
E.setBootCode = function (code, alwaysExec) { sys('setBootCode', H.toAB(code === undefined ? '' : String(code)), !!alwaysExec); };
E.kill = function () { E.emit('kill'); };
E.getTemperature = function () { return sys('temperature'); };
E.setConsole = function (dev, opts) { sys('setConsole', dev === null || dev === undefined ? 'null' : String(dev.name || dev), false); };
E.getConsole = function () { return sys('getConsole'); };
E.setTimeZone = function (h) { H.need('date'); H.setTz(Number(h) * 60); };
E.toUint8Array = function () { return new Uint8Array(H.argsAB(arguments, 0)); };
E.toArrayBuffer = function (s) { return H.toAB(s); };
E.toString = function () { return H.ab2s(H.argsAB(arguments, 0)); };
E.toJS = function (v) { return JSON.stringify(v); };
E.CRC32 = function (d) {
  var b = H.bytesOf(d, []), c = -1, k, j;
  for (k = 0; k < b.length; k++) { c ^= b[k]; for (j = 0; j < 8; j++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
  return (c ^ -1) >>> 0;
};
E.sum = function (a) { var s = 0, k; for (k = 0; k < a.length; k++) s += a[k]; return s; };
E.clip = function (x, lo, hi) { return x < lo ? lo : x > hi ? hi : x; };
E.getSizeOf = function (v) { return sys('sizeOf', JSON.stringify(v === undefined ? null : v) || 'null'); };
E.getErrorFlags = function () { return []; };
E.getFlags = function () { return {}; };
E.setFlags = function () {};
`,
  esp32: String.raw`
var sys = H.sys, ESP32 = {};
G.ESP32 = ESP32;
function pinName(p) { H.need('pins'); return H.pinName(p); }
ESP32.deepSleep = function (us) { sys('deepSleep', Number(us)); for (;;) {} };
ESP32.deepSleepExt0 = function (p, level) { sys('deepSleepExt0', pinName(p), level ? 1 : 0); for (;;) {} };
ESP32.deepSleepExt1 = function (pins, mode) { sys('deepSleepExt1', JSON.stringify((Array.isArray(pins) ? pins : [pins]).map(pinName)), mode ? 1 : 0); for (;;) {} };
ESP32.getWakeupCause = function () { return sys('wakeupCause'); };
ESP32.getState = function () { return sys('espState'); };
ESP32.setAtten = function (p, atten) { sys('setAtten', pinName(p), Number(atten)); };
ESP32.reboot = function () { sys('reboot'); for (;;) {} };
ESP32.enableWifi = function (on) { sys('radio', 'wifi', !!on); };
ESP32.enableBLE = function (on) { sys('radio', 'ble', !!on); };
ESP32.setBoot = function () { throw new Error('ESP32.setBoot is not available in the simulator'); };
`,
  Storage: String.raw`
var sys = H.sys;
H.need('bin');
var ab2s = H.ab2s, toAB = H.toAB;
var Storage = {
  write: function (name, data, offset, size) {
    if (typeof data === 'object' && data !== null && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer) && !Array.isArray(data)) data = JSON.stringify(data);
    return sys('stWrite', String(name), toAB(data === undefined ? '' : data), offset === undefined ? -1 : Number(offset), size === undefined ? -1 : Number(size));
  },
  read: function (name, offset, len) { return ab2s(sys('stRead', String(name), offset === undefined ? 0 : Number(offset), len === undefined ? -1 : Number(len))); },
  readArrayBuffer: function (name) { return sys('stRead', String(name), 0, -1); },
  readJSON: function (name, noExceptions) {
    var s = Storage.read(name);
    if (s === undefined) return undefined;
    try { return JSON.parse(s); } catch (e) { if (noExceptions) return undefined; throw e; }
  },
  writeJSON: function (name, v) { return Storage.write(name, JSON.stringify(v)); },
  list: function (re, filter) {
    var src = null, flags = '';
    if (re instanceof RegExp) { src = re.source; flags = re.flags; }
    else if (typeof re === 'string') src = re;
    return sys('stList', src, flags, JSON.stringify(filter || {}));
  },
  erase: function (name) { sys('stErase', String(name)); },
  eraseAll: function () { sys('stEraseAll'); },
  compact: function () { sys('stCompact'); },
  getFree: function () { return sys('stFree'); },
  getStats: function () { return sys('stStats'); },
  hash: function (re) { return sys('stHash', re instanceof RegExp ? re.source : re === undefined ? null : String(re), re instanceof RegExp ? re.flags : ''); },
  debug: function () {},
  open: function (name, mode) { H.need('sfile'); return new H.StorageFile(sys('sfOpen', String(name), String(mode))); }
};
H.Storage = Storage;
`,
  sfile: String.raw`
var sys = H.sys, ab2s = H.ab2s;
function StorageFile(id) { H.hide(this, 'id', id); }
StorageFile.prototype.read = function (len) { return ab2s(sys('sfRead', this.id, len === undefined ? -1 : Number(len))); };
StorageFile.prototype.readLine = function () { return ab2s(sys('sfReadLine', this.id)); };
StorageFile.prototype.getLength = function () { return sys('sfLength', this.id); };
StorageFile.prototype.write = function (s) { sys('sfWrite', this.id, H.toAB(String(s))); };
StorageFile.prototype.erase = function () { sys('sfErase', this.id); };
H.StorageFile = StorageFile;
`,
  crypto: String.raw`
var sys = H.sys;
H.need('bin');
var toAB = H.toAB;
function hasher(alg) { return function (m) { return sys('hash', alg, toAB(m)); }; }
function aes(enc) {
  return function (msg, key, o) { o = o || {}; return sys('aes', enc, toAB(msg), toAB(key), o.iv === undefined ? null : toAB(o.iv), o.mode === undefined ? 'CBC' : String(o.mode)); };
}
H.crypto = {
  SHA1: hasher('sha1'), SHA224: hasher('sha224'), SHA256: hasher('sha256'), SHA384: hasher('sha384'), SHA512: hasher('sha512'),
  PBKDF2: function (pass, salt, o) {
    o = o || {};
    return sys('pbkdf2', toAB(pass), toAB(salt), o.keySize === undefined ? 4 : Number(o.keySize), o.iterations === undefined ? 1 : Number(o.iterations), o.hasher === undefined ? 'SHA1' : String(o.hasher));
  },
  AES: { encrypt: aes(true), decrypt: aes(false) }
};
`,
};

/** Minified once per process (whitespace and local names): QuickJS parse time is proportional to size. */
function minify(code: string): string {
  return transformSync(code, { minifyWhitespace: true, minifyIdentifiers: true, target: 'es2017', charset: 'utf8' }).code.replace(/;\s*$/, '');
}

export const PRELUDE = minify(CORE_SOURCE);
export const PRELUDE_CHUNKS: Record<string, string> = Object.fromEntries(
  Object.entries(CHUNK_SOURCES).map(([k, v]) => [k, minify(`(function (H, G) {${v}})`)]),
);
