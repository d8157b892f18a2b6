/**
 * Device labels: a QR code of the device's public identity (fleet, device id, kid — NEVER key or IV)
 * as PNG and as an SVG label with the same QR code and the identity in text.
 *
 * QR payload: `sensornode:<fleet>/<id>?kid=<kid hex>` (ISO/IEC 18004 byte mode, error correction M,
 * via npm `qrcode`). The PNG also carries the identity in tEXt chunks (PNG spec §11.3.4.3, keywords
 * "Title" and "Comment"), so file tools can show it without decoding the QR code.
 */
import { crc32 } from 'node:zlib';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { UserError } from '../errors.ts';

export interface LabelInfo {
  fleet: string;
  id: string;
  kidHex: string;
  board?: string | null;
  modem?: string | null;
  imei?: string | null;
}

export interface LabelFiles {
  png: string;
  svg: string;
  qrText: string;
}

export function qrText(l: LabelInfo): string {
  return `sensornode:${l.fleet}/${l.id}?kid=${l.kidHex}`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A PNG tEXt chunk: keyword, NUL, Latin-1 text (PNG spec §11.3.4.3). */
function textChunk(keyword: string, text: string): Buffer {
  const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.of(0), Buffer.from(text, 'latin1')]);
  const type = Buffer.from('tEXt', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0);
  return Buffer.concat([len, type, data, crc]);
}

/** Inserts tEXt chunks before IEND (the last 12 bytes of a PNG). */
function withText(png: Buffer, entries: [string, string][]): Buffer {
  const iend = png.length - 12;
  if (png.subarray(iend + 4, iend + 8).toString('latin1') !== 'IEND') throw new Error('qrcode produced a PNG without a final IEND chunk');
  return Buffer.concat([png.subarray(0, iend), ...entries.map(([k, v]) => textChunk(k, v)), png.subarray(iend)]);
}

export async function renderLabel(l: LabelInfo): Promise<{ png: Buffer; svg: string; qrText: string }> {
  const text = qrText(l);
  const png = await QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 8 });
  const qrSvg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const inner = qrSvg.replace(/^<svg /, '<svg x="8" y="8" width="164" height="164" ');
  const lines = [
    `device ${l.id}`,
    `kid ${l.kidHex}`,
    `fleet ${l.fleet}`,
    ...(l.board ? [`board ${l.board}`] : []),
    ...(l.modem ? [`modem ${l.modem}`] : []),
    ...(l.imei ? [`IMEI ${l.imei}`] : []),
  ];
  const textEls = lines
    .map((s, i) => `<text x="184" y="${34 + i * 24}" font-family="monospace" font-size="${i === 0 ? 18 : 14}"${i === 0 ? ' font-weight="bold"' : ''}>${escapeXml(s)}</text>`)
    .join('\n  ');
  const svg = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="520" height="180" viewBox="0 0 520 180">
  <title>${escapeXml(`sensornode device ${l.id} (kid ${l.kidHex})`)}</title>
  <rect width="520" height="180" fill="#ffffff" stroke="#000000"/>
  ${inner}
  ${textEls}
</svg>
`;
  const pngOut = withText(png, [
    ['Title', `sensornode device ${l.id}`],
    ['Comment', `fleet=${l.fleet} id=${l.id} kid=${l.kidHex}`],
  ]);
  return { png: pngOut, svg, qrText: text };
}

/** Writes `<dir>/<id>.png` and `<dir>/<id>.svg` (each via a temp file + rename, so never half-written). */
export async function writeLabel(dir: string, l: LabelInfo): Promise<LabelFiles> {
  const r = await renderLabel(l);
  const png = join(dir, `${l.id}.png`);
  const svg = join(dir, `${l.id}.svg`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(png + '.tmp', r.png);
    renameSync(png + '.tmp', png);
    writeFileSync(svg + '.tmp', r.svg);
    renameSync(svg + '.tmp', svg);
  } catch (e) {
    throw new UserError('LABEL_WRITE', `cannot write the label for ${l.id} into ${dir}: ${(e as Error).message}`, { hint: 'check --label-dir exists or can be created and is writable' });
  }
  return { png, svg, qrText: r.qrText };
}
