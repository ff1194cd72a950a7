/**
 * The music folders setting: the folders this device scans (those from the command line and the
 * one found automatically shown beside them), adding and removing them, and the scan's progress.
 */
import { useId, useState, type FormEvent } from 'react';
import { usePeerStatus } from '../store';
import { Icon } from './Icons';
import { ScanProgress } from './ScanProgress';

/** The folder list with its add form and the running scan. */
export function LibraryFolders({
  folders,
  onSave,
}: {
  folders: string[];
  onSave(next: string[]): Promise<boolean>;
}) {
  const [path, setPath] = useState('');
  const id = useId();
  const status = usePeerStatus();
  const scan = status?.library?.scan;
  const fromFlags = Array.isArray(status?.config.libraries)
    ? (status.config.libraries as unknown[]).filter((x): x is string => typeof x === 'string')
    : [];
  const defaultFolder =
    typeof status?.config.defaultMusicFolder === 'string' ? status.config.defaultMusicFolder : null;
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const next = path.trim();
    if (!next || folders.includes(next)) return;
    if (await onSave([...folders, next])) setPath('');
  };
  return (
    <div className="field">
      <span className="label">Music folders</span>
      <ul className="folders" data-testid="library-folders">
        {fromFlags.map((f) => (
          <li key={`flag-${f}`}>
            <Icon name="folder" size={18} />
            <code>{f}</code>
            <span className="tag">from the command line</span>
          </li>
        ))}
        {folders.map((f, i) => (
          <li key={f} data-testid="library-folder">
            <Icon name="folder" size={18} />
            <code>{f}</code>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove folder ${f}`}
              onClick={() => void onSave(folders.filter((_, j) => j !== i))}
            >
              <Icon name="remove" size={16} />
            </button>
          </li>
        ))}
        {defaultFolder ? (
          <li data-testid="default-music-folder">
            <Icon name="folder" size={18} />
            <code>{defaultFolder}</code>
            <span className="tag">your music folder, found automatically</span>
          </li>
        ) : null}
        {folders.length === 0 && fromFlags.length === 0 && !defaultFolder ? (
          <li className="muted">No folders yet.</li>
        ) : null}
      </ul>
      <form className="field-row" onSubmit={(e) => void add(e)}>
        <label htmlFor={id} className="visually-hidden">
          Folder path to add
        </label>
        <input
          id={id}
          type="text"
          placeholder="/home/you/Music"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          data-testid="add-folder-path"
        />
        <button type="submit" className="button" disabled={!path.trim()}>
          Add folder
        </button>
      </form>
      <ScanProgress scan={scan} variant="inline" />
    </div>
  );
}
