/**
 * Espruino's start-up banner, as `jsiSemiInit()` in src/jsinteractive.c prints it when echo is on and
 * no saved RAM image was loaded: on a non-Linux build it first sends `ESC[?7l` (turn off the
 * terminal's line wrap), then the ASCII logo, the version line and — on boards that are not sold by
 * Espruino (the ESP32 is one) — the donation note. Every `\n` goes out as `\r\n` (jsiConsolePrint).
 * Source: github.com/espruino/Espruino src/jsinteractive.c (`" "JS_VERSION" (c) 2021 G.Williams\n"`).
 */

export function espruinoBanner(version: string): string {
  const text =
    '\n' +
    ' ____                 _ \n' +
    '|  __|___ ___ ___ _ _|_|___ ___ \n' +
    '|  __|_ -| . |  _| | | |   | . |\n' +
    '|____|___|  _|_| |___|_|_|_|___|\n' +
    '         |_| espruino.com\n' +
    ` ${version} (c) 2021 G.Williams\n` +
    '\n' +
    'Espruino is Open Source. Our work is supported\n' +
    'only by sales of official boards and donations:\n' +
    'http://espruino.com/Donate\n';
  return '\x1B[?7l' + text.replace(/\n/g, '\r\n');
}
