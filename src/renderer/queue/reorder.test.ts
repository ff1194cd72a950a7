import { describe, expect, it } from 'vitest';
import { dropIndex, moved } from './reorder';

describe('dropIndex', () => {
  it('moves down when dropped below a later row', () => {
    expect(dropIndex(0, 2, false)).toBe(2);
    expect(dropIndex(0, 2, true)).toBe(1);
  });
  it('moves up when dropped above an earlier row', () => {
    expect(dropIndex(3, 0, true)).toBe(0);
    expect(dropIndex(3, 0, false)).toBe(1);
  });
  it('is a no-op next to itself', () => {
    expect(dropIndex(2, 2, true)).toBeNull();
    expect(dropIndex(2, 2, false)).toBeNull();
    expect(dropIndex(2, 1, false)).toBeNull();
    expect(dropIndex(2, 3, true)).toBeNull();
  });
  it('agrees with the move the leader applies', () => {
    const queue = ['a', 'b', 'c', 'd'];
    const to = dropIndex(0, 2, false);
    expect(to).not.toBeNull();
    expect(moved(queue, 0, to as number)).toEqual(['b', 'c', 'a', 'd']);
    expect(moved(queue, 3, dropIndex(3, 1, true) as number)).toEqual(['a', 'd', 'b', 'c']);
    expect(moved(queue, 9, 0)).toEqual(queue);
  });
});
