import { useActions, useUi } from '../store';
import { shortcutHelp } from '../ui/shortcuts';
import { Dialog } from './Dialog';

/** The keyboard shortcuts, opened with `?`. */
export function ShortcutsDialog() {
  const { shortcutsOpen } = useUi();
  const { ui } = useActions();
  return (
    <Dialog
      open={shortcutsOpen}
      title="Keyboard shortcuts"
      onClose={() => ui.setShortcutsOpen(false)}
      testId="shortcuts-dialog"
    >
      <dl className="shortcuts">
        {shortcutHelp.map((s) => (
          <div key={s.label} className="shortcut">
            <dt>
              {s.keys.map((k, i) => (
                <span key={k}>
                  {i > 0 ? <span className="then">{s.keys[0] === 'G' ? 'then' : '+'}</span> : null}
                  <kbd>{k}</kbd>
                </span>
              ))}
            </dt>
            <dd>{s.label}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">
        Shortcuts pause while you type in a text field. Media keys work when the system routes them to
        Firefly.
      </p>
    </Dialog>
  );
}
