import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ScanProgress, type ScanState } from './ScanProgress';

const scan = (over: Partial<ScanState> = {}): ScanState => ({
  done: 1234,
  total: 5678,
  currentPath: '/music/a/b.flac',
  running: true,
  ...over,
});

/** The markup as a browser would read its text (tags dropped). */
const textOf = (html: string): string => html.replace(/<[^>]*>/g, '|');

describe('ScanProgress', () => {
  it('renders nothing when no scan runs or none was reported', () => {
    expect(renderToStaticMarkup(<ScanProgress scan={scan({ running: false })} variant="banner" />)).toBe('');
    expect(renderToStaticMarkup(<ScanProgress scan={undefined} variant="inline" />)).toBe('');
  });

  it('shows the banner with grouped counts, the file being read and a determinate bar', () => {
    const html = renderToStaticMarkup(<ScanProgress scan={scan()} variant="banner" />);
    expect(html).toContain('class="scan-banner"');
    expect(html).toContain('data-testid="scan-progress"');
    expect(textOf(html)).toContain('|Scanning your music: 1,234 of 5,678 files|');
    expect(html).toContain('<span class="scan-path">/music/a/b.flac</span>');
    expect(html).toContain('aria-label="Library scan"');
    expect(html).toContain('aria-valuenow="22"');
    expect(html).not.toContain('indeterminate');
  });

  it('shows the inline line without the path, and an indeterminate bar while the total is unknown', () => {
    const html = renderToStaticMarkup(<ScanProgress scan={scan({ done: 0, total: 0 })} variant="inline" />);
    expect(html).toContain('class="scan-inline"');
    expect(html).toContain('role="status"');
    expect(html).not.toContain('scan-progress');
    expect(html).not.toContain('scan-path');
    expect(textOf(html)).toContain('|Scanning 0 of 0 files|');
    expect(html).toContain('class="progress indeterminate"');
    expect(html).not.toContain('aria-valuenow');
  });
});
