/**
 * The Espruino ESP32 API, written in JavaScript and evaluated in every fresh QuickJS context before
 * the firmware. It talks to the host through one function, `__sys(op, ...args)` (removed from the
 * global scope before the firmware runs), and the host calls back into it through the dispatcher it
 * registers with `__sys('dispatch', fn)`. Binary data crosses the boundary as ArrayBuffer; inside
 * the sandbox, Espruino strings are 8-bit "binary strings" (one char per byte), as on ESP32 builds.
 *
 * API surface follows Espruino 2v29's reference (https://www.espruino.com/Reference, ESP32 port) and
 * the facts in the project's Espruino reference notes. After the API is installed the prelude
 * deletes every global and method Espruino lacks (espruino.md "Missing globals"), so firmware that
 * reaches for them fails in the simulator as it does on the device.
 */
import { transformSync } from 'esbuild';

export const PRELUDE_FILENAME = 'espruino:api';

/** Installed in every fresh context before the firmware runs. */
const CORE_SOURCE = String.raw`(function (G) {
var sys = G.__sys;
delete G.__sys;
var UTC = Date.UTC;
var OD = Date, OMath = Math, OJSON = JSON, OObject = Object, OString = String, ONumber = Number;
var defProp = Object.defineProperty;
var fromCC = String.fromCharCode;
function hide(o, k, v) { defProp(o, k, { value: v, writable: true, configurable: true, enumerable: false }); }

/* ---- binary strings <-> ArrayBuffer (the host boundary) ---- */
function ab2s(ab) {
  if (ab === undefined || ab === null) return ab;
  var u = new Uint8Array(ab), s = '', i;
  for (i = 0; i < u.length; i += 4096) s += fromCC.apply(null, u.subarray(i, i + 4096));
  return s;
}
/** Espruino's data argument rules: string, number (one byte), array / typed array / ArrayBuffer, {data,count}. */
function bytesOf(d, out) {
  var i;
  if (d === undefined || d === null) return out;
  if (typeof d === 'string') { for (i = 0; i < d.length; i++) out.push(d.charCodeAt(i) & 255); return out; }
  if (typeof d === 'number' || typeof d === 'boolean') { out.push(d & 255); return out; }
  if (d instanceof ArrayBuffer) d = new Uint8Array(d);
  else if (ArrayBuffer.isView(d) && !(d instanceof Uint8Array)) d = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (d instanceof Uint8Array) { for (i = 0; i < d.length; i++) out.push(d[i]); return out; }
  if (Array.isArray(d)) { for (i = 0; i < d.length; i++) bytesOf(d[i], out); return out; }
  if (typeof d === 'object' && d.data !== undefined) {
    var n = d.count === undefined ? 1 : d.count;
    for (i = 0; i < n; i++) bytesOf(d.data, out);
    return out;
  }
  out.push(ONumber(d) & 255);
  return out;
}
function toAB(d) { return new Uint8Array(bytesOf(d, [])).buffer; }
function argsAB(args, from) { var out = [], i; for (i = from; i < args.length; i++) bytesOf(args[i], out); return new Uint8Array(out).buffer; }
function s2u8(s) { var u = new Uint8Array(s.length), i; for (i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255; return u; }


/* Lazy parts of the API: compiled on first use (QuickJS parses ~8 MB/s in WebAssembly, and a fresh
   context per boot would otherwise re-parse the whole API at every wake-up). */
var H = { sys: sys, hide: hide, ab2s: ab2s, bytesOf: bytesOf, toAB: toAB, argsAB: argsAB, OD: OD, UTC: UTC, serials: {}, onWatch: null, fmt: null, pinName: null, Pin: null };
var loaded = {};
function need(name) { if (!loaded[name]) { loaded[name] = 1; sys('chunk', name)(H, G); } }
H.need = need;
function lazy(target, names, chunk) {
  names.forEach(function (n) {
    defProp(target, n, {
      configurable: true, enumerable: false,
      get: function () { need(chunk); return target[n]; },
      set: function (v) { defProp(target, n, { value: v, writable: true, configurable: true, enumerable: false }); }
    });
  });
}
H.lazy = lazy;
/* ---- Events: Espruino puts on/emit/removeListener on Object.prototype ---- */
function listeners(o, ev, create) {
  var k = '#on' + ev;
  if (!OObject.prototype.hasOwnProperty.call(o, k)) { if (!create) return undefined; hide(o, k, []); }
  return o[k];
}
hide(Object.prototype, 'on', function (ev, fn) { listeners(this, ev, true).push(fn); return this; });
hide(Object.prototype, 'addListener', Object.prototype.on);
hide(Object.prototype, 'prependListener', function (ev, fn) { listeners(this, ev, true).unshift(fn); return this; });
hide(Object.prototype, 'emit', function (ev) {
  var l = listeners(this, ev, false), a = [], i;
  if (!l) return;
  for (i = 1; i < arguments.length; i++) a.push(arguments[i]);
  l = l.slice();
  for (i = 0; i < l.length; i++) l[i].apply(this, a);
});
hide(Object.prototype, 'removeListener', function (ev, fn) {
  var l = listeners(this, ev, false), i;
  if (!l) return;
  i = l.indexOf(fn);
  if (i >= 0) l.splice(i, 1);
});
hide(Object.prototype, 'removeAllListeners', function (ev) {
  var k;
  if (ev !== undefined) { if (listeners(this, ev, false)) this['#on' + ev] = []; return; }
  for (k in this) if (k.indexOf('#on') === 0) this[k] = [];
  OObject.getOwnPropertyNames(this).forEach(function (n) { if (n.indexOf('#on') === 0) this[n] = []; }, this);
});

/* ---- console ---- */
function print() {
  var s = [], i, a;
  for (i = 0; i < arguments.length; i++) {
    a = arguments[i];
    if (typeof a === 'string') s.push(a);
    else if (typeof a === 'number' || typeof a === 'boolean' || a === undefined || a === null) s.push(OString(a));
    else { need('fmt'); s.push(H.fmt(a, true)); }
  }
  sys('print', s.join(' ') + '\n');
}
G.print = print;
G.console = { log: print, info: print, warn: print, error: print, debug: print };
G.echo = function (on) { sys('echo', !!on); };
/* ---- time: virtual clock ---- */
function nowMs() { return sys('now'); }
H.nowMs = nowMs;
G.getTime = function () { return nowMs() / 1000; };
G.setTime = function (s) { sys('setTime', ONumber(s) * 1000); };
/* ---- Math.random seeded by the simulation; E.srand reseeds it ---- */
Math.random = function () { return sys('random'); };

/* ---- timers (virtual time); Espruino passes extra arguments to the callback ---- */
var timers = {}, nextTimer = 1;
function addTimer(fn, ms, args, rep) {
  var id = nextTimer++, a = [], i;
  if (typeof fn === 'string') { var code = fn; fn = function () { (0, eval)(code); }; }
  if (typeof fn !== 'function') throw new TypeError('Function or String not supplied!');
  for (i = 2; i < args.length; i++) a.push(args[i]);
  ms = ONumber(ms);
  if (!(ms >= 0)) ms = 0;
  timers[id] = { fn: fn, args: a, rep: rep };
  sys('timer', id, ms, rep);
  return id;
}
G.setTimeout = function (fn, ms) { return addTimer(fn, ms, arguments, false); };
G.setInterval = function (fn, ms) { return addTimer(fn, ms, arguments, true); };
function clearTimer(id) {
  var k;
  if (id === undefined) { for (k in timers) { delete timers[k]; sys('clearTimer', ONumber(k)); } return; }
  if (!timers[id]) return;
  delete timers[id];
  sys('clearTimer', id);
}
G.clearTimeout = clearTimer;
G.clearInterval = clearTimer;
G.changeInterval = function (id, ms) {
  if (!timers[id]) throw new Error("Can't find Interval");
  sys('changeInterval', id, ONumber(ms));
};

/* ---- E ---- */
var E = {};
E.srand = function (s) { sys('srand', ONumber(s)); };
E.hwRand = function () { return sys('hwRand'); };
E.reboot = function () { sys('reboot'); for (;;) {} };
E.setBootCode = function (code, alwaysExec) { sys('setBootCode', toAB(code === undefined ? '' : OString(code)), !!alwaysExec); };
E.kill = function () { E.emit('kill'); };
lazy(E, ['getTemperature', 'setConsole', 'getConsole', 'setTimeZone', 'toUint8Array', 'toArrayBuffer', 'toString', 'toJS', 'CRC32', 'sum', 'clip', 'getSizeOf', 'getErrorFlags', 'getFlags', 'setFlags'], 'E');
G.E = E;
H.E = E;
/* ---- ESP32 ---- */
G.ESP32 = {
  deepSleep: function (us) { sys('deepSleep', ONumber(us)); for (;;) {} },
  deepSleepExt0: function (p, level) { need('pins'); sys('deepSleepExt0', H.pinName(p), level ? 1 : 0); for (;;) {} },
  deepSleepExt1: function (pins, mode) { sys('deepSleepExt1', OJSON.stringify((Array.isArray(pins) ? pins : [pins]).map(function (x) { need('pins'); return H.pinName(x); })), mode ? 1 : 0); for (;;) {} },
  getWakeupCause: function () { return sys('wakeupCause'); },
  getState: function () { return sys('espState'); },
  setAtten: function (p, atten) { need('pins'); sys('setAtten', H.pinName(p), ONumber(atten)); },
  reboot: function () { sys('reboot'); for (;;) {} },
  enableWifi: function (on) { sys('radio', 'wifi', !!on); },
  enableBLE: function (on) { sys('radio', 'ble', !!on); },
  setBoot: function () { throw new Error('ESP32.setBoot is not available in the simulator'); }
};

/* ---- require('Storage') ---- */
var Storage = {
  write: function (name, data, offset, size) {
    if (typeof data === 'object' && data !== null && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer) && !Array.isArray(data)) data = OJSON.stringify(data);
    return sys('stWrite', OString(name), toAB(data === undefined ? '' : data), offset === undefined ? -1 : ONumber(offset), size === undefined ? -1 : ONumber(size));
  },
  read: function (name, offset, len) { return ab2s(sys('stRead', OString(name), offset === undefined ? 0 : ONumber(offset), len === undefined ? -1 : ONumber(len))); },
  readArrayBuffer: function (name) { var ab = sys('stRead', OString(name), 0, -1); return ab === undefined ? undefined : ab; },
  readJSON: function (name, noExceptions) {
    var s = Storage.read(name);
    if (s === undefined) return undefined;
    try { return OJSON.parse(s); } catch (e) { if (noExceptions) return undefined; throw e; }
  },
  writeJSON: function (name, v) { return Storage.write(name, OJSON.stringify(v)); },
  list: function (re, filter) {
    var src = null, flags = '';
    if (re instanceof RegExp) { src = re.source; flags = re.flags; }
    else if (typeof re === 'string') src = re;
    return sys('stList', src, flags, OJSON.stringify(filter || {}));
  },
  erase: function (name) { sys('stErase', OString(name)); },
  eraseAll: function () { sys('stEraseAll'); },
  compact: function (showMessage) { sys('stCompact'); },
  getFree: function (checkInternal) { return sys('stFree'); },
  getStats: function () { return sys('stStats'); },
  hash: function (re) { return sys('stHash', re instanceof RegExp ? re.source : re === undefined ? null : OString(re), re instanceof RegExp ? re.flags : ''); },
  debug: function () {},
  open: function (name, mode) { need('sfile'); return new H.StorageFile(sys('sfOpen', OString(name), OString(mode))); }
};

var modules = { Storage: Storage };
lazy(modules, ['crypto'], 'crypto');
H.modules = modules;
G.require = function (name) {
  name = OString(name);
  if (OObject.prototype.hasOwnProperty.call(modules, name)) return modules[name];
  throw new Error('Module ' + name + ' not found');
};
G.load = function (file) { E.emit('kill'); sys('load', file === undefined ? null : OString(file)); for (;;) {} };
G.reset = function (clearFlash) { E.emit('kill'); sys('reset', !!clearFlash); for (;;) {} };
G.save = function () { E.emit('kill'); sys('save'); };
G.btoa = function (s) { return sys('btoa', toAB(s)); };
G.atob = function (s) { return ab2s(sys('atob', OString(s))); };

/* ---- host -> sandbox dispatch ---- */
sys('dispatch', function (kind, a, b, c, d) {
  var t;
  if (kind === 'timer') {
    t = timers[a];
    if (!t) return;
    if (!t.rep) delete timers[a];
    t.fn.apply(undefined, t.args);
  } else if (kind === 'watch') {
    if (H.onWatch) H.onWatch(a, b, c, d);
  } else if (kind === 'serial') {
    if (H.serials[a]) H.serials[a].emit('data', ab2s(b));
  } else if (kind === 'init') {
    E.emit('init');
    if (typeof G.onInit === 'function') G.onInit();
  } else if (kind === 'kill') {
    E.emit('kill');
  } else if (kind === 'eval') {
    return (0, eval)(a);
  } else if (kind === 'format') {
    need('fmt');
    return H.fmt(a, false);
  }
});
lazy(G, ['Date'], 'date');
lazy(G, ['Pin', 'pinMode', 'getPinMode', 'digitalWrite', 'digitalRead', 'digitalPulse', 'analogRead', 'analogWrite', 'setWatch', 'clearWatch'].concat(
  (function () { var a = [], k; for (k = 0; k <= 39; k++) a.push('D' + k); return a; })()), 'pins');
lazy(G, ['Serial', 'Serial1', 'Serial2', 'Serial3'], 'serial');
lazy(G, ['I2C', 'I2C1', 'I2C2'], 'i2c');
lazy(G, ['process'], 'process');
/* ---- remove what Espruino 2v29 lacks (espruino.md "Missing globals") ---- */
['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'BigInt', 'Proxy', 'Reflect',
 'Iterator', 'SharedArrayBuffer', 'BigInt64Array', 'BigUint64Array', 'Float16Array', 'AggregateError', 'Atomics',
 'queueMicrotask', 'structuredClone', 'std', 'os', 'scriptArgs', 'WebAssembly', 'performance'].forEach(function (k) { delete G[k]; });
function strip(o, names) { names.forEach(function (k) { delete o[k]; }); }
strip(Array, ['from', 'of', 'fromAsync']);
strip(Array.prototype, ['flat', 'flatMap', 'at', 'findLast', 'findLastIndex', 'lastIndexOf', 'reduceRight', 'keys', 'entries', 'values',
  'copyWithin', 'toReversed', 'toSorted', 'toSpliced', 'with']);
strip(String, ['raw', 'fromCodePoint']);
strip(String.prototype, ['trimStart', 'trimEnd', 'trimLeft', 'trimRight', 'at', 'codePointAt', 'matchAll', 'normalize', 'isWellFormed', 'toWellFormed', 'localeCompare']);
strip(Object, ['freeze', 'is', 'isFrozen', 'groupBy', 'seal', 'isSealed', 'preventExtensions', 'isExtensible']);
strip(Math, ['imul', 'trunc', 'clz32', 'fround', 'hypot', 'log2', 'cbrt', 'sumPrecise', 'f16round']);
strip(Number, ['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'EPSILON', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER']);
strip(Promise.prototype, ['finally']);
strip(Promise, ['allSettled', 'race', 'any', 'withResolvers', 'try']);
strip(OD, ['UTC']);
})(globalThis);
`;

/** Parts compiled on first use (each evaluates to a function (H, G) that installs its globals). */
const CHUNK_SOURCES: Record<string, string> = {
  fmt: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
function fmt(v, top) {
  if (typeof v === 'string') return top ? v : OJSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'function') return 'function () { [native code] }';
  if (typeof v !== 'object') return OString(v);
  if (v instanceof Error || (v && typeof v.message === 'string' && typeof v.name === 'string')) return v.name + ': ' + v.message;
  if (v instanceof OD) return v.toString();
  if ((H.Pin && v instanceof H.Pin)) return v.toString();
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
    var u = v instanceof ArrayBuffer ? new Uint8Array(v) : v, parts = [], i;
    for (i = 0; i < u.length; i++) parts.push(OString(u[i]));
    return 'new ' + (v.constructor && v.constructor.name || 'Uint8Array') + '([' + parts.join(', ') + '])';
  }
  if (Array.isArray(v)) return '[ ' + v.map(function (x) { return fmt(x, false); }).join(', ') + ' ]';
  var ks = OObject.keys(v);
  if (!ks.length) return '{  }';
  return '{ ' + ks.map(function (k) { return OJSON.stringify(k) + ': ' + fmt(v[k], false); }).join(', ') + ' }';
}
H.fmt = fmt;
})`,
  date: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
var tz = 0;
H.setTz = function (m) { tz = m; };
function VDate(a, b, c, d, e, f, g) {
  var n = arguments.length, dt;
  if (!(this instanceof VDate)) return new VDate().toString();
  if (n === 0) dt = new OD(H.nowMs());
  else if (n === 1) dt = new OD(typeof a === 'string' ? OD.parse(a) : a);
  else dt = new OD(UTC(a, b, n > 2 ? c : 1, n > 3 ? d : 0, n > 4 ? e : 0, n > 5 ? f : 0, n > 6 ? g : 0) - tz * 60000);
  OObject.setPrototypeOf(dt, VDate.prototype);
  return dt;
}
VDate.prototype = OD.prototype;
hide(VDate.prototype, 'constructor', VDate);
VDate.now = H.nowMs;
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

})`,
  E: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
var E = H.E;
E.getTemperature = function () { return sys('temperature'); };
E.setConsole = function (dev, opts) { sys('setConsole', dev === null || dev === undefined ? 'null' : OString(dev.name || dev), false); };
E.getConsole = function () { return sys('getConsole'); };
E.setTimeZone = function (h) { need('date'); H.setTz(ONumber(h) * 60); };
E.toUint8Array = function () { return new Uint8Array(argsAB(arguments, 0)); };
E.toArrayBuffer = function (s) { return toAB(s); };
E.toString = function () { return ab2s(argsAB(arguments, 0)); };
E.toJS = function (v) { return OJSON.stringify(v); };
E.CRC32 = function (d) {
  var b = bytesOf(d, []), c = -1, k, j;
  for (k = 0; k < b.length; k++) { c ^= b[k]; for (j = 0; j < 8; j++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
  return (c ^ -1) >>> 0;
};
E.sum = function (a) { var s = 0, k; for (k = 0; k < a.length; k++) s += a[k]; return s; };
E.clip = function (x, lo, hi) { return x < lo ? lo : x > hi ? hi : x; };
E.getSizeOf = function (v, depth) { return sys('sizeOf', OJSON.stringify(v === undefined ? null : v) || 'null'); };
E.getErrorFlags = function () { return []; };
E.getFlags = function () { return {}; };
E.setFlags = function () {};

})`,
  pins: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
function Pin(n) { hide(this, 'n', n); }
Pin.prototype.toString = function () { return 'D' + this.n; };
Pin.prototype.valueOf = function () { return this.n; };
Pin.prototype.toJSON = function () { return 'D' + this.n; };
function pinName(p) {
  if (p instanceof Pin) return 'D' + p.n;
  if (typeof p === 'number' && p >= 0 && p <= 39 && p === (p | 0)) return 'D' + p;
  if (typeof p === 'string' && /^D\d+$/.test(p)) return p;
  throw new TypeError('Expecting a Pin, got ' + typeof p);
}
Pin.prototype.read = function () { return digitalRead(this); };
Pin.prototype.write = function (v) { digitalWrite(this, v); };
Pin.prototype.set = function () { digitalWrite(this, 1); };
Pin.prototype.reset = function () { digitalWrite(this, 0); };
Pin.prototype.toggle = function () { var v = !sys('pinState', 'D' + this.n); digitalWrite(this, v); return v; };
Pin.prototype.mode = function (m) { pinMode(this, m); };
Pin.prototype.getMode = function () { return sys('getPinMode', 'D' + this.n); };
Pin.prototype.getInfo = function () { return { port: 'D', num: this.n, channel: this.n >= 32 ? this.n - 32 : undefined }; };
G.Pin = function (n) { return new Pin(ONumber(n)); };
var i;
for (i = 0; i <= 39; i++) G['D' + i] = new Pin(i);
H.Pin = Pin;
H.pinName = pinName;
function pinMode(p, m, auto) { sys('pinMode', pinName(p), m === undefined ? 'auto' : OString(m), !!auto); }
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
G.pinMode = pinMode;
G.getPinMode = function (p) { return sys('getPinMode', pinName(p)); };
G.digitalWrite = digitalWrite;
G.digitalRead = digitalRead;
G.digitalPulse = function (p, v, t) {
  var ts = Array.isArray(t) ? t : [t], k;
  for (k = 0; k < ts.length; k++) sys('digitalPulse', pinName(p), (k % 2 === 0) === !!v ? 1 : 0, ONumber(ts[k]));
};
G.analogRead = function (p) { return sys('analogRead', pinName(p)); };
G.analogWrite = function (p, v, opts) { sys('analogWrite', pinName(p), ONumber(v), OJSON.stringify(opts || {})); };

/* ---- setWatch ---- */
var watches = {}, nextWatch = 1;
H.onWatch = function (a, b, c, d) {
  var w = watches[a];
  if (!w) return;
  if (!w.rep) delete watches[a];
  var e = { state: !!b, time: c, lastTime: d };
  if (w.data !== undefined) e.data = sys('digitalRead', pinName(w.data));
  w.fn(e);
};
G.setWatch = function (fn, p, opts) {
  var id, o;
  if (typeof fn === 'string') { var code = fn; fn = function () { (0, eval)(code); }; }
  if (typeof fn !== 'function') throw new TypeError('Function or String not supplied!');
  o = typeof opts === 'object' && opts ? opts : { repeat: !!opts };
  id = nextWatch++;
  watches[id] = { fn: fn, rep: !!o.repeat, data: o.data };
  sys('setWatch', id, pinName(p), OJSON.stringify({ repeat: !!o.repeat, edge: o.edge === undefined ? 'both' : o.edge, debounce: o.debounce, data: o.data !== undefined ? pinName(o.data) : undefined }));
  return id;
};
G.clearWatch = function (id) {
  var k;
  if (id === undefined) { for (k in watches) { delete watches[k]; sys('clearWatch', ONumber(k)); } return; }
  if (!watches[id]) throw new Error('Unknown Watch ' + id);
  delete watches[id];
  sys('clearWatch', id);
};

})`,
  serial: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
var serials = H.serials;
function Serial(name) { hide(this, 'name', name); serials[name] = this; }
Serial.prototype.setup = function (baud, opts) { sys('serialSetup', this.name, baud === undefined ? 9600 : ONumber(baud), OJSON.stringify(opts || {})); };
Serial.prototype.write = function () { sys('serialWrite', this.name, argsAB(arguments, 0)); };
Serial.prototype.print = function (s) { sys('serialWrite', this.name, toAB(OString(s))); };
Serial.prototype.println = function (s) { sys('serialWrite', this.name, toAB(OString(s) + '\r\n')); };
Serial.prototype.available = function () { return sys('serialAvailable', this.name); };
Serial.prototype.read = function (n) { return ab2s(sys('serialRead', this.name, n === undefined ? -1 : ONumber(n))); };
Serial.prototype.inject = function () { sys('serialInject', this.name, argsAB(arguments, 0)); };
Serial.prototype.setConsole = function (force) { sys('setConsole', this.name, !!force); };
Serial.prototype.on = function (ev, fn) {
  OObject.prototype.on.call(this, ev, fn);
  if (ev === 'data') sys('serialListen', this.name, true);
  return this;
};
Serial.prototype.removeAllListeners = function (ev) {
  OObject.prototype.removeAllListeners.call(this, ev);
  if (ev === undefined || ev === 'data') sys('serialListen', this.name, false);
};
Serial.prototype.removeListener = function (ev, fn) {
  OObject.prototype.removeListener.call(this, ev, fn);
  var l = listeners(this, 'data', false);
  if (ev === 'data' && (!l || !l.length)) sys('serialListen', this.name, false);
};
G.Serial = Serial;
G.Serial1 = new Serial('Serial1');
G.Serial2 = new Serial('Serial2');
G.Serial3 = new Serial('Serial3');

})`,
  i2c: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
function I2C(name) { hide(this, 'name', name); }
function addrOf(a) { return typeof a === 'object' && a ? { address: ONumber(a.address), stop: a.stop !== false } : { address: ONumber(a), stop: true }; }
I2C.prototype.setup = function (opts) { sys('i2cSetup', this.name, OJSON.stringify(opts || {})); };
I2C.prototype.writeTo = function (a) { var x = addrOf(a); sys('i2cWrite', this.name, x.address, argsAB(arguments, 1), x.stop); };
I2C.prototype.readFrom = function (a, n) { var x = addrOf(a); return new Uint8Array(sys('i2cRead', this.name, x.address, ONumber(n), x.stop)); };
I2C.prototype.readReg = function (a, reg, n) {
  sys('i2cWrite', this.name, ONumber(a), toAB(reg), false);
  return new Uint8Array(sys('i2cRead', this.name, ONumber(a), ONumber(n), true));
};
G.I2C = I2C;
G.I2C1 = new I2C('I2C1');
G.I2C2 = new I2C('I2C2');

})`,
  process: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
G.process = {
  version: sys('env').VERSION,
  env: sys('env'),
  memory: function (gc) { return sys('memory', gc !== false); },
  on: OObject.prototype.on
};

})`,
  sfile: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
function StorageFile(id) { hide(this, 'id', id); }
StorageFile.prototype.read = function (len) { return ab2s(sys('sfRead', this.id, len === undefined ? -1 : ONumber(len))); };
StorageFile.prototype.readLine = function () { return ab2s(sys('sfReadLine', this.id)); };
StorageFile.prototype.getLength = function () { return sys('sfLength', this.id); };
StorageFile.prototype.write = function (s) { sys('sfWrite', this.id, toAB(OString(s))); };
StorageFile.prototype.erase = function () { sys('sfErase', this.id); };
H.StorageFile = StorageFile;
})`,
  crypto: String.raw`(function (H, G) {
var sys = H.sys, hide = H.hide, ab2s = H.ab2s, bytesOf = H.bytesOf, toAB = H.toAB, argsAB = H.argsAB, need = H.need;
var OD = H.OD, UTC = H.UTC, OJSON = JSON, OObject = Object, OString = String, ONumber = Number, defProp = Object.defineProperty, fromCC = String.fromCharCode;
function hasher(alg) { return function (m) { return sys('hash', alg, toAB(m)); }; }
H.crypto = {
  SHA1: hasher('sha1'), SHA224: hasher('sha224'), SHA256: hasher('sha256'), SHA384: hasher('sha384'), SHA512: hasher('sha512'),
  PBKDF2: function (pass, salt, o) {
    o = o || {};
    return sys('pbkdf2', toAB(pass), toAB(salt), o.keySize === undefined ? 4 : ONumber(o.keySize), o.iterations === undefined ? 1 : ONumber(o.iterations), o.hasher === undefined ? 'SHA1' : OString(o.hasher));
  },
  AES: {
    encrypt: function (msg, key, o) { o = o || {}; return sys('aes', true, toAB(msg), toAB(key), o.iv === undefined ? null : toAB(o.iv), o.mode === undefined ? 'CBC' : OString(o.mode)); },
    decrypt: function (msg, key, o) { o = o || {}; return sys('aes', false, toAB(msg), toAB(key), o.iv === undefined ? null : toAB(o.iv), o.mode === undefined ? 'CBC' : OString(o.mode)); }
  }
};


OObject.defineProperty(H.modules, 'crypto', { value: H.crypto, writable: true, configurable: true, enumerable: false });
})`,
};

/** Minified once per process: parse time in QuickJS is proportional to source size. */
function minify(code: string): string {
  return transformSync(code, { minifyWhitespace: true, minifyIdentifiers: true, minifySyntax: false, target: 'es2017', charset: 'utf8' }).code.replace(/;\s*$/, '');
}

export const PRELUDE = minify(CORE_SOURCE);
export const PRELUDE_CHUNKS: Record<string, string> = Object.fromEntries(Object.entries(CHUNK_SOURCES).map(([k, v]) => [k, minify(v)]));
