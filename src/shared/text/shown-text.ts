/**
 * Names one peer shows another (device names, track titles, artists, albums) as text that shows
 * as itself: control characters garble lists and logs, and text-direction controls make a name
 * read as another ("evil\u202Egnp.mp3" reads as "evilmp3.png"). A lone UTF-16 surrogate is a
 * broken string, not a name: it is refused rather than guessed at.
 */
import type { Validator } from '../validate';
import { err, ok, type Result } from '../result';

/** C0/C1 controls (tabs and newlines among them): shown as a space. */
const CONTROLS = /\p{Cc}+/gu;
/** Marks, embeddings, overrides and isolates that change the direction text is shown in. */
const DIRECTION_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** `text` with control characters made spaces, direction controls removed and the ends trimmed; an error for a lone surrogate. */
export function showableText(text: string): Result<string> {
  if (!text.isWellFormed()) return err('contains a broken character (a lone UTF-16 surrogate)');
  return ok(text.replace(CONTROLS, ' ').replace(DIRECTION_CONTROLS, '').trim());
}

/** The same for text from a trusted but untidy source (a file's tags): lone surrogates become U+FFFD. */
export function tidyText(text: string): string {
  return text.toWellFormed().replace(CONTROLS, ' ').replace(DIRECTION_CONTROLS, '').trim();
}

/** A validator of a string of `min`..`max` characters (after normalising) that shows as itself. */
export const shownText =
  (max: number, min = 0): Validator<string> =>
  (input, path) => {
    const where = path ?? 'value';
    if (typeof input !== 'string' || input.length > max)
      return err(`${where}: expected a string of ${min}..${max} characters`);
    const shown = showableText(input);
    if (!shown.ok) return err(`${where}: ${shown.error}`);
    if (shown.value.length < min) return err(`${where}: expected a string of ${min}..${max} characters`);
    return shown;
  };
