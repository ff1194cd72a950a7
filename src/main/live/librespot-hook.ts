/**
 * What plays on a Spotify Connect receiver (librespot) for the `spotify` preset (#22). librespot runs
 * its `--onevent` program on each player event with the track in environment variables
 * (`PLAYER_EVENT=track_changed`, `NAME`, `ARTISTS` one a line, `ALBUM`, `COVERS` as URLs; `stopped`,
 * `session_disconnected` when it stops). This hook, a small POSIX shell script the peer writes next to
 * the source's metadata pipe, turns those into shairport-sync's metadata items (`core`/`minm` the
 * title, `core`/`asar` the artists, `ssnc`/`pend` at the end) and one of Firefly's own, `ffly`/`curl`,
 * the first cover URL (which the peer downloads: cover-download.ts), so the peer reads them with the
 * reader it has for AirPlay. librespot splits `--onevent` on spaces: the hook gets the pipe as `$1`.
 *
 * The pipe is opened read-write (`3<>`), which never waits for a reader; the hook does nothing when
 * the pipe is missing (the peer stopped), and never fails librespot.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

/** The hook's text. */
export const LIBRESPOT_HOOK = `#!/bin/sh
# Firefly: librespot --onevent hook. Writes what plays to the metadata pipe given as $1.
pipe=$1
[ -p "$pipe" ] || exit 0
item() {
  if [ -z "$3" ]; then
    printf '<item><type>%s</type><code>%s</code><length>0</length></item>\\n' "$1" "$2"
  else
    printf '<item><type>%s</type><code>%s</code><length>%s</length>\\n<data encoding="base64">\\n%s</data></item>\\n' \\
      "$1" "$2" "$(printf '%s' "$3" | wc -c | tr -d ' ')" "$(printf '%s' "$3" | base64 | tr -d '\\n')"
  fi
}
case "$PLAYER_EVENT" in
  track_changed)
    artists=$(printf '%s' "$ARTISTS" | awk 'NR > 1 { printf ", " } { printf "%s", $0 }')
    cover=$(printf '%s\\n' "$COVERS" | head -n 1)
    { item 66666c79 6375726c "$cover"; item 636f7265 61736172 "$artists"; item 636f7265 6d696e6d "$NAME"; } \\
      3<>"$pipe" >&3
    ;;
  stopped | session_disconnected)
    item 73736e63 70656e64 "" 3<>"$pipe" >&3
    ;;
esac
exit 0
`;

/** Writes the hook to `file` (executable) unless it is there already, and returns `file`. */
export function writeLibrespotHook(file: string): string {
  let current: string | null = null;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // Not written yet.
  }
  if (current !== LIBRESPOT_HOOK) writeFileSync(file, LIBRESPOT_HOOK, { mode: 0o700 });
  chmodSync(file, 0o700);
  return file;
}
