/** The layer table of docs/architecture.md is enforced: a violation fails lint and typecheck as an error. */
import path from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function lintAs(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

function typecheckWith(tsconfig: string, fixture: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, tsconfig),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${tsconfig}`);
  const program = ts.createProgram([path.join(root, fixture)], config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('lint rule on import paths', () => {
  it.each([
    ['src/shared/x.ts', "import fs from 'node:fs';", /Node built-ins/],
    ['src/shared/x.ts', "import { Peer } from '../main/peer';", /may not import from src\/main/],
    ['src/shared/x.ts', "import { create } from 'zustand';", /React or the store/],
    ['src/shared/x.ts', "import { createLibp2p } from 'libp2p';", /pure logic only/],
    ['src/renderer/x.ts', "import fs from 'node:fs';", /Node built-ins/],
    [
      'src/renderer/x.ts',
      "import { ipcRenderer } from 'electron';",
      /Only src\/main\/shell may import electron/,
    ],
    ['src/renderer/x.ts', "import { Peer } from '../main/peer';", /may not import from src\/main/],
    ['src/main/peer2.ts', "import { app } from 'electron';", /Only src\/main\/shell may import electron/],
    ['src/main/x.ts', "import { App } from '../renderer/App';", /may not import from src\/renderer/],
    ['src/main/preload/x.ts', "import { Peer } from '../peer';", /may import only src\/shared/],
    ['e2e/x.ts', "import { Peer } from '../src/main/peer';", /may not import from src\/main/],
  ])('%s: %s is an error', async (file, code, message) => {
    const errors = await lintAs(file, `${code}\nexport const used = 1;\n`);
    expect(errors.some((e) => e.startsWith('no-restricted-imports') && message.test(e))).toBe(true);
  });

  it.each([
    ['src/main/shell/x.ts', "import { app } from 'electron';\nexport const a = app;"],
    [
      'src/main/preload/x.ts',
      "import { contextBridge } from 'electron';\nimport { createFireflyApi } from '../../shared/bridge/api';\nexport const a = [contextBridge, createFireflyApi];",
    ],
    [
      'src/renderer/x.ts',
      "import { createFireflyApi } from '../shared/bridge/api';\nexport const a = createFireflyApi;",
    ],
  ])('%s may do what its layer allows', async (file, code) => {
    expect(await lintAs(file, `${code}\n`)).toEqual([]);
  });
});

describe('per-layer tsconfig libs', () => {
  it('the renderer config has no Node types', () => {
    const errors = typecheckWith('tsconfig.renderer.json', 'test/fixtures/layers/renderer-uses-node.ts');
    expect(errors.join('\n')).toMatch(/Cannot find (module|name) 'node:fs'/);
  });

  it('the shared config has neither DOM nor Node', () => {
    const errors = typecheckWith('tsconfig.shared.json', 'test/fixtures/layers/shared-uses-dom.ts');
    expect(errors.join('\n')).toMatch(/Cannot find name 'document'/);
    expect(
      typecheckWith('tsconfig.shared.json', 'test/fixtures/layers/renderer-uses-node.ts').join('\n'),
    ).toMatch(/node:fs/);
  });

  it('the main config accepts Node code', () => {
    expect(typecheckWith('tsconfig.main.json', 'test/fixtures/layers/renderer-uses-node.ts')).toEqual([]);
  });
});
