/** Import an M3U8 file as a playlist, and export one: the Playlists view's file buttons. */
import { useRef, useState } from 'react';
import { m3u8Limits } from '../../shared/playlists/m3u8';
import { playlistLimits, type Playlist } from '../../shared/playlists/playlist';
import { useActions } from '../store';
import { countOf } from '../ui/format';

/** What an import matched, shown until the next one. */
interface ImportReport {
  name: string;
  matched: number;
  unmatched: { line: number; entry: string }[];
}

/** The name a playlist file's import gets: its file name without the extension. */
const nameOfFile = (fileName: string) =>
  fileName
    .replace(/\.m3u8?$/i, '')
    .slice(0, playlistLimits.maxNameChars)
    .trim() || 'Imported playlist';

/** Import: a file input that reads the file as UTF-8 and asks the peer to match its entries. */
export function ImportPlaylistButton({ onImported }: { onImported(playlist: Playlist): void }) {
  const { playlists, ui } = useActions();
  const input = useRef<HTMLInputElement>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const importFile = async (file: File) => {
    setReport(null);
    setProblem(null);
    // The text travels in one bridge message: refuse a file far larger than any playlist first.
    if (file.size > m3u8Limits.maxChars * 2) {
      setProblem(`${file.name} is ${Math.round(file.size / 1024)} KB: too large for a playlist file`);
      return;
    }
    const result = await playlists.importM3u8(nameOfFile(file.name), await file.text());
    if (!result) return;
    setReport({ name: result.playlist.name, matched: result.matched, unmatched: result.unmatched });
    ui.announce(`Imported ${result.playlist.name}: ${countOf(result.matched, 'track')}.`);
    onImported(result.playlist);
  };
  return (
    <div className="playlist-import">
      <input
        ref={input}
        type="file"
        accept=".m3u8,.m3u,audio/x-mpegurl,audio/mpegurl,application/vnd.apple.mpegurl"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="import-playlist-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void importFile(file);
        }}
      />
      <button type="button" className="button" onClick={() => input.current?.click()}>
        Import M3U8…
      </button>
      {problem ? (
        <p className="inline-error" role="alert">
          {problem}
        </p>
      ) : null}
      {report ? (
        <div className="import-report" role="status" data-testid="import-report">
          <p>
            {report.name}: {countOf(report.matched, 'track')} matched
            {report.unmatched.length > 0 ? `, ${report.unmatched.length} not found in the room` : ''}.
          </p>
          {report.unmatched.length > 0 ? (
            <details>
              <summary>Not found</summary>
              <ul data-testid="import-unmatched">
                {report.unmatched.map((u) => (
                  <li key={u.line}>
                    Line {u.line}: {u.entry}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** Export: downloads the playlist as an .m3u8 file. */
export function ExportPlaylistButton({ playlist }: { playlist: Playlist }) {
  const { playlists } = useActions();
  const download = async () => {
    const result = await playlists.exportM3u8(playlist.id);
    if (!result) return;
    const url = URL.createObjectURL(new Blob([result.m3u8], { type: 'audio/x-mpegurl;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = result.fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <button type="button" className="button" onClick={() => void download()} data-testid="export-playlist">
      Export M3U8
    </button>
  );
}
