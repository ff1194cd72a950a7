/** Inline SVG icons (24×24, currentColor), decorative: the control that holds one carries the label. */
import type { ReactElement } from 'react';

const paths = {
  play: 'M8 5.14v13.72a1 1 0 0 0 1.52.85l10.6-6.86a1 1 0 0 0 0-1.7L9.52 4.29A1 1 0 0 0 8 5.14Z',
  pause: 'M7 5h3.2v14H7zM13.8 5H17v14h-3.2z',
  next: 'M6 6.5v11a1 1 0 0 0 1.55.83L15 13.2V17h2V7h-2v3.8L7.55 5.67A1 1 0 0 0 6 6.5Z',
  prev: 'M18 6.5v11a1 1 0 0 1-1.55.83L9 13.2V17H7V7h2v3.8l7.45-5.13A1 1 0 0 1 18 6.5Z',
  stop: 'M7 7h10v10H7z',
  volume:
    'M4 9v6h4l5 4V5L8 9H4Zm12.5 3a4.5 4.5 0 0 0-2.5-4.03v8.06A4.5 4.5 0 0 0 16.5 12ZM14 3.23v2.06a7 7 0 0 1 0 13.42v2.06a9 9 0 0 0 0-17.54Z',
  mute: 'M4 9v6h4l5 4V5L8 9H4Zm12.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4L16.6 12Z',
  library: 'M4 5h2v14H4zM8 5h2v14H8zM12.2 5.6l1.9-.6 4.6 13.4-1.9.6z',
  queue: 'M3 6h12v2H3zm0 5h12v2H3zm0 5h8v2H3zm14-1V9l5 3z',
  room: 'M12 7a5 5 0 0 0-5 5h2a3 3 0 0 1 6 0h2a5 5 0 0 0-5-5Zm0-4a9 9 0 0 0-9 9h2a7 7 0 0 1 14 0h2a9 9 0 0 0-9-9Zm0 8a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm-1 4h2v6h-2z',
  settings:
    'M19.4 13a7.7 7.7 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.4 7.4 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.4 7.4 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.7 7.7 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1c.5.4 1.1.7 1.7 1L11 21h4l.4-2.9c.6-.3 1.2-.6 1.7-1l2.5 1 2-3.5L19.4 13ZM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7Z',
  search: 'M10 4a6 6 0 1 0 3.7 10.7l4.8 4.8 1.4-1.4-4.8-4.8A6 6 0 0 0 10 4Zm0 2a4 4 0 1 1 0 8 4 4 0 0 1 0-8Z',
  plus: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z',
  remove: 'M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z',
  up: 'm12 7-6 6 1.4 1.4 4.6-4.6 4.6 4.6L18 13z',
  down: 'm12 17 6-6-1.4-1.4-4.6 4.6-4.6-4.6L6 11z',
  grip: 'M9 5h2v2H9zm4 0h2v2h-2zM9 11h2v2H9zm4 0h2v2h-2zm-4 6h2v2H9zm4 0h2v2h-2z',
  more: 'M12 6.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3Zm0 7a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3Zm0 7a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3Z',
  eye: 'M12 5C6.5 5 3 12 3 12s3.5 7 9 7 9-7 9-7-3.5-7-9-7Zm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8Zm0-2a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z',
  eyeOff:
    'm4.4 3 16.6 16.6-1.4 1.4-3.2-3.2A9.6 9.6 0 0 1 12 19c-5.5 0-9-7-9-7a17 17 0 0 1 3.7-4.5L3 4.4 4.4 3Zm7.6 2c5.5 0 9 7 9 7a16.8 16.8 0 0 1-2.6 3.6l-3.5-3.5A4 4 0 0 0 10 7.1L8.3 5.4A9.4 9.4 0 0 1 12 5Z',
  keyboard:
    'M3 6h18a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1Zm2 3v2h2V9H5Zm4 0v2h2V9H9Zm4 0v2h2V9h-2Zm4 0v2h2V9h-2ZM7 13v2h10v-2H7Z',
  star: 'm12 3 2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z',
  download: 'M11 4h2v8.2l3.3-3.3 1.4 1.4L12 16l-5.7-5.7 1.4-1.4 3.3 3.3zM5 18h14v2H5z',
  folder: 'M3 6a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6Z',
  device:
    'M4 5h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1h-6v2h3v2H7v-2h3v-2H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm1 2v8h14V7H5Z',
  note: 'M10 3v10.6A4 4 0 1 0 12 17V7h6V3h-8Z',
  album:
    'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm0 6a3 3 0 1 1 0 6 3 3 0 0 1 0-6Zm0 2a1 1 0 1 0 0 2 1 1 0 0 0 0-2Z',
  // Two arrows crossing, and a loop of two arrows (with a 1 for "repeat one").
  shuffle:
    'M16 4h4v4h-2V7.4l-3.3 3.3-1.4-1.4L16.6 6H16V4ZM4 6.6 5.4 5.2l13.2 13.2.4-.4V17h2v4h-4v-2h1.6L4 6.6ZM9.3 13.3l1.4 1.4L5.4 20 4 18.6l5.3-5.3Z',
  repeat:
    'M7 7h10V4.5l3.5 3.5L17 11.5V9H7v3.5H5V9a2 2 0 0 1 2-2Zm10 10H7v2.5L3.5 16 7 12.5V15h10v-3.5h2V15a2 2 0 0 1-2 2Z',
  repeatOne:
    'M7 7h10V4.5l3.5 3.5L17 11.5V9H7v3.5H5V9a2 2 0 0 1 2-2Zm10 10H7v2.5L3.5 16 7 12.5V15h10v-3.5h2V15a2 2 0 0 1-2 2Zm-5.8-7.6L12.6 9h1v6h-1.5v-3.9l-.9.6v-2.3Z',
  metronome: 'M10 3h4l4 18H6l4-18Zm2 3.5L9.6 17h4.1l2.3-4.6-1.3-.7L12.7 15H11l1-8.5Z',
} as const;

export type IconName = keyof typeof paths;

/** One icon; decorative (aria-hidden). */
export function Icon({
  name,
  size = 20,
  className,
}: {
  name: IconName;
  size?: number;
  className?: string;
}): ReactElement {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
    >
      <path d={paths[name]} fill="currentColor" />
    </svg>
  );
}

/** The Firefly mark: a glowing dot with two wings. */
export function Logo({ size = 28 }: { size?: number }): ReactElement {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="logo">
      <defs>
        <radialGradient id="ff-glow" cx="50%" cy="62%" r="50%">
          <stop offset="0%" stopColor="#fff6b0" />
          <stop offset="45%" stopColor="#ffd23f" />
          <stop offset="100%" stopColor="#ffd23f" stopOpacity="0" />
        </radialGradient>
      </defs>
      <circle cx="16" cy="19" r="12" fill="url(#ff-glow)" />
      <ellipse
        cx="10.5"
        cy="11"
        rx="5"
        ry="3"
        transform="rotate(-30 10.5 11)"
        fill="currentColor"
        opacity="0.55"
      />
      <ellipse
        cx="21.5"
        cy="11"
        rx="5"
        ry="3"
        transform="rotate(30 21.5 11)"
        fill="currentColor"
        opacity="0.55"
      />
      <circle cx="16" cy="19" r="4.2" fill="#ffe14d" />
    </svg>
  );
}

/** The now-playing mark (three bars the stylesheet animates), labelled for screen readers. */
export function NowPlayingMark(): ReactElement {
  return (
    <span className="eq" aria-label="Now playing">
      <i />
      <i />
      <i />
    </span>
  );
}
