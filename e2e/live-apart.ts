/** How far apart windows play a live source, for the live e2e tests (#22). */
import type { Page } from '@playwright/test';

type Hook = {
  lastStart: { sampleRate: number } | null;
  snapshot(): { positionSec: number };
  groupTimeOfFrame(frame: number): number | null;
};

/**
 * The spread (ms) of the group times at which the windows play one frame, a quarter second ahead of
 * the newest play head (NaN while a window cannot say).
 */
export async function windowsApartMs(pages: Page[]): Promise<number> {
  const positions = await Promise.all(
    pages.map((p) =>
      p.evaluate(() => (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio.snapshot().positionSec),
    ),
  );
  const atSec = Math.max(...positions) + 0.25;
  const times = await Promise.all(
    pages.map((p) =>
      p.evaluate((sec) => {
        const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
        return hook.groupTimeOfFrame(Math.round(sec * (hook.lastStart?.sampleRate ?? 48_000)));
      }, atSec),
    ),
  );
  return Math.max(...times.map((t) => t ?? NaN)) - Math.min(...times.map((t) => t ?? NaN));
}
