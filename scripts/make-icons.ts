/**
 * Renders every icon the app and its installers need from the one source, assets/icon.svg, with Chromium:
 * PNGs for Linux and the tray, icon.ico for Windows and icon.icns for macOS (both hold PNG images).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';

const assets = path.resolve(import.meta.dirname, '..', 'assets');
const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

/** An ICO file whose entries are PNG images (supported since Windows Vista). */
export function buildIco(images: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const at = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, at);
    header.writeUInt8(size >= 256 ? 0 : size, at + 1);
    header.writeUInt16LE(1, at + 4);
    header.writeUInt16LE(32, at + 6);
    header.writeUInt32LE(png.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

/** An ICNS file with PNG entries (types ic07 to ic10). */
export function buildIcns(images: Array<{ size: number; png: Buffer }>): Buffer {
  const types: Record<number, string> = { 128: 'ic07', 256: 'ic08', 512: 'ic09', 1024: 'ic10' };
  const entries = images
    .filter((i) => types[i.size])
    .map(({ size, png }) => {
      const head = Buffer.alloc(8);
      head.write(types[size] as string, 0, 'ascii');
      head.writeUInt32BE(png.length + 8, 4);
      return Buffer.concat([head, png]);
    });
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

async function main(): Promise<void> {
  const svg = readFileSync(path.join(assets, 'icon.svg'), 'utf8');
  const browser = await chromium.launch({
    executablePath: process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const images: Array<{ size: number; png: Buffer }> = [];
  try {
    for (const size of sizes) {
      const page = await browser.newPage({ viewport: { width: size, height: size } });
      await page.setContent(
        `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg style="display:block;width:${size}px;height:${size}px" `)}</body></html>`,
      );
      images.push({ size, png: await page.screenshot({ omitBackground: true }) });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  mkdirSync(path.join(assets, 'icons'), { recursive: true });
  for (const { size, png } of images) writeFileSync(path.join(assets, 'icons', `${size}x${size}.png`), png);
  writeFileSync(path.join(assets, 'icon.png'), images.find((i) => i.size === 1024)?.png as Buffer);
  writeFileSync(path.join(assets, 'tray.png'), images.find((i) => i.size === 32)?.png as Buffer);
  writeFileSync(path.join(assets, 'icon.ico'), buildIco(images.filter((i) => i.size <= 256)));
  writeFileSync(path.join(assets, 'icon.icns'), buildIcns(images));
  process.stdout.write(`icons written to ${assets}\n`);
}

if (process.argv[1] === import.meta.filename) await main();
