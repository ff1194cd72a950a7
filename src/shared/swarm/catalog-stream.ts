/**
 * The catalog stream's messages (a request, then frames of the answer) and their validators, built from
 * the one validator toolkit: a peer's frame is checked here before the catalog service reads a field.
 */
import { isContentId } from '../chunking/ids';
import { err, ok } from '../result';
import { arrayOf, bool, int, obj, optional, type Validator } from '../validate';
import { catalogLimits, isIncarnation } from './catalog';

/** Request on the catalog stream. */
export type CatalogRequest =
  /** The sender's track ids: changes since `sinceVersion` of `incarnation`, or all of them. */
  | { op: 'list'; incarnation?: string; sinceVersion?: number }
  /** Full entries for these track ids. */
  | { op: 'entries'; trackIds: string[] };

/** One frame of the answer to `list`; `done` marks the last. */
export interface CatalogListFrame {
  incarnation: string;
  version: number;
  /** True when `added` is the whole catalog (the peer's earlier state must be replaced). */
  full: boolean;
  added: string[];
  removed: string[];
  done: boolean;
}

/** One frame of the answer to `entries`; entries are unchecked until `validateCatalogEntry`. */
export interface CatalogEntriesFrame {
  entries: unknown[];
  /** Requested ids the server does not hold (any more). */
  missing: string[];
  done: boolean;
}

/** A catalog incarnation (random hex naming one run of a peer's catalog). */
export const incarnation: Validator<string> = (input, path) =>
  isIncarnation(input) ? ok(input) : err(`${path ?? 'incarnation'}: expected a hex incarnation`);

/** A list of at most `max` track (content) ids. */
export const contentIds =
  (max: number): Validator<string[]> =>
  (input, path) => {
    if (!Array.isArray(input) || input.length > max)
      return err(`${path ?? 'ids'}: expected at most ${max} track ids`);
    for (const id of input) if (!isContentId(id)) return err(`${path ?? 'ids'}: expected track ids`);
    return ok(input as string[]);
  };

const version = int(0, Number.MAX_SAFE_INTEGER);

const listRequest = obj({
  op: () => ok('list' as const),
  incarnation: optional(incarnation),
  sinceVersion: optional(version),
});
const entriesRequest = obj({
  op: () => ok('entries' as const),
  trackIds: contentIds(catalogLimits.maxEntriesPerRequest),
});

/** Checks a request a peer sent on the catalog stream. */
export const validateCatalogRequest: Validator<CatalogRequest> = (input) => {
  const op = typeof input === 'object' && input !== null ? (input as { op?: unknown }).op : undefined;
  if (op === 'list') return listRequest(input, 'list');
  if (op === 'entries') return entriesRequest(input, 'entries');
  return err('request: expected an object with op list or entries');
};

/** Checks one frame of a `list` answer. */
export const validateListFrame: Validator<CatalogListFrame> = obj({
  incarnation,
  version,
  full: bool,
  added: contentIds(catalogLimits.maxListIdsPerFrame),
  removed: contentIds(catalogLimits.maxListIdsPerFrame),
  done: bool,
});

/** Checks the envelope of one frame of an `entries` answer (the entries are checked one by one). */
export const validateEntriesFrame: Validator<CatalogEntriesFrame> = obj({
  entries: arrayOf((entry) => ok(entry), catalogLimits.maxEntriesPerRequest),
  missing: contentIds(catalogLimits.maxEntriesPerRequest),
  done: bool,
});
