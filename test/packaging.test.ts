/** electron-builder.yml loads and a `--dir` package builds offline, against a local stand-in for the Electron runtime. */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'firefly-dist-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function findFile(dir: string, name: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(full, name);
      if (found) return found;
    } else if (entry.name === name) return full;
  }
  return null;
}

describe('packaging', () => {
  it('declares every installer target, the icons and no native rebuild', () => {
    const config = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
    for (const line of [
      'npmRebuild: false',
      'output: release',
      'target: [AppImage, deb]',
      'target: [nsis]',
      'target: [dmg]',
      'icon: assets/icon.ico',
      'icon: assets/icon.icns',
    ]) {
      expect(config).toContain(line);
    }
    for (const icon of ['assets/icon.ico', 'assets/icon.icns', 'assets/icons/256x256.png', 'assets/tray.png'])
      expect(existsSync(path.join(root, icon))).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      homepage?: string;
      scripts: Record<string, string>;
    };
    expect(pkg.homepage).toBeTruthy();
    expect(pkg.scripts.dist).toContain('electron-builder');
  });

  it('builds a --dir package with the app, the preload and unpacked native modules', async () => {
    expect(existsSync(path.join(root, 'out', 'main', 'index.js')), 'run `npm run build` first').toBe(true);
    const standIn = path.join(work, 'electron-dist');
    const output = path.join(work, 'release');
    await import('node:fs/promises').then((fs) => fs.mkdir(standIn, { recursive: true }));
    writeFileSync(path.join(standIn, 'electron'), '#!/bin/sh\necho "Electron stand-in"\n');
    chmodSync(path.join(standIn, 'electron'), 0o755);
    writeFileSync(path.join(standIn, 'version'), '45.4.1');
    const builder = path.join(root, 'node_modules', '.bin', 'electron-builder');
    await promisify(execFile)(
      builder,
      [
        '--dir',
        '--linux',
        '--config',
        'electron-builder.yml',
        `-c.electronDist=${standIn}`,
        `-c.directories.output=${output}`,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ELECTRON_BUILDER_7ZIP_PATH: '/usr/bin/7zz',
          CSC_IDENTITY_AUTO_DISCOVERY: 'false',
        },
        timeout: 240_000,
      },
    );
    const unpacked = path.join(output, 'linux-unpacked');
    expect(existsSync(path.join(unpacked, 'firefly'))).toBe(true);
    const asar = readFileSync(path.join(unpacked, 'resources', 'app.asar'));
    // The archive's header lists its files; the main bundle, preload and renderer must be inside.
    const header = asar.subarray(0, Math.min(asar.length, 4_000_000)).toString('latin1');
    for (const name of ['"index.js"', '"index.cjs"', '"index.html"', '"headless.js"'])
      expect(header).toContain(name);
    const natives = path.join(unpacked, 'resources', 'app.asar.unpacked');
    expect(findFile(natives, 'linux-x64.node')).not.toBeNull();
    expect(
      findFile(path.join(natives, 'node_modules', 'sodium-native'), 'sodium-native.node'),
    ).not.toBeNull();
  }, 300_000);
});
