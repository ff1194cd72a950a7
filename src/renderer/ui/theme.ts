/** Which theme the page shows: the setting, or the system's preference when the setting says "system". */
import type { Theme } from '../../shared/bridge/payloads';

/** The theme to paint for a setting and the system's dark-mode preference. */
export function resolveTheme(setting: Theme | undefined, systemPrefersDark: boolean): 'light' | 'dark' {
  if (setting === 'light' || setting === 'dark') return setting;
  return systemPrefersDark ? 'dark' : 'light';
}
