/** Bundles a page script for the browser tests that run renderer code in a real Chromium page. */
import { build } from 'esbuild';

/** `contents` (TypeScript importing from `resolveDir`) bundled as one ES module for Chromium. */
export async function bundleForPage(contents: string, resolveDir: string): Promise<string> {
  const entry = await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return entry.outputFiles[0]!.text;
}
