/** The room's live sources, read from the host peer every few seconds while a component shows them. */
import { useEffect, useState } from 'react';
import type { LiveSourceInfo } from '../../shared/live/sources';
import { bridge } from '../bridge';

/** How often the list is read again (sources announce themselves every 5 s, and on every change). */
const REFRESH_MS = 3000;

/** The room's live sources; `enabled` false reads nothing (an empty list). */
export function useLiveSources(enabled = true): LiveSourceInfo[] {
  const [list, setList] = useState<LiveSourceInfo[]>([]);
  useEffect(() => {
    if (!enabled) return setList([]);
    let alive = true;
    const load = () =>
      bridge()
        .live.sources()
        .then((r) => alive && setList(r.sources))
        .catch(() => undefined);
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [enabled]);
  return list;
}
