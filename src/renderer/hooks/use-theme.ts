/** Paints the light or dark theme from the setting and the system preference. */
import { useEffect, useState } from 'react';
import { useSettings } from '../store';
import { resolveTheme } from '../ui/theme';

const query = '(prefers-color-scheme: dark)';

/** Sets `data-theme` on the document root and returns the theme in use. */
export function useTheme(): 'light' | 'dark' {
  const setting = useSettings()?.theme;
  const [systemDark, setSystemDark] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const media = window.matchMedia(query);
    const onChange = () => setSystemDark(media.matches);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);
  const theme = resolveTheme(setting, systemDark);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);
  return theme;
}
