import { useState } from 'react';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { mediaUrl } from '../bridge';
import { hueOf, initials } from '../ui/format';

/** A track's cover art, or a coloured placeholder made from its album (the same colour for the whole album). */
export function Cover({
  track,
  size,
  className = '',
}: {
  track: RoomTrack | undefined;
  size: number;
  className?: string;
}) {
  const [failedFor, setFailedFor] = useState<string | null>(null);
  const showImage = !!track?.hasCover && failedFor !== track.trackId;
  const key = track ? track.album || track.artist || track.title : '';
  const hue = hueOf(key);
  return (
    <div
      className={`cover ${className}`}
      style={{ width: size, height: size, ['--cover-hue' as string]: String(hue) }}
      aria-hidden="true"
      data-testid={showImage ? 'cover-image' : 'cover-placeholder'}
    >
      {showImage && track ? (
        <img
          src={mediaUrl('cover', track.trackId)}
          alt=""
          loading="lazy"
          decoding="async"
          onError={() => setFailedFor(track.trackId)}
        />
      ) : (
        <span className="cover-initials" style={{ fontSize: Math.max(10, size * 0.32) }}>
          {track ? initials(key) : '♪'}
        </span>
      )}
    </div>
  );
}
