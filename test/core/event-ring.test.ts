// The bounded stores behind the live fail2ban view: a ring of events,
// per-minute counters for a sliding hour, and a top-k map that keeps the
// real offenders through a flood of one-off addresses.

import test from 'ava';
import { EventRing, MinuteCounts, TopCounts } from '../../src/core/event-ring';

const T0 = Date.UTC(2026, 10, 28, 20, 0, 0);
const MIN = 60_000;

test('EventRing keeps the last N, newest first, and counts everything pushed', (t) => {
  const ring = new EventRing<number>(3);
  t.deepEqual(ring.newest(), []);
  ring.push(1);
  ring.push(2);
  t.deepEqual(ring.newest(), [2, 1]);
  for (let i = 3; i <= 10; i++) ring.push(i);
  t.is(ring.size, 3);
  t.is(ring.total, 10);
  t.deepEqual(ring.newest(), [10, 9, 8]);
  t.deepEqual(ring.newest(2), [10, 9]);
  ring.clear();
  t.deepEqual(ring.newest(), []);
  t.throws(() => new EventRing(0), { instanceOf: RangeError });
});

test('MinuteCounts: one bucket per minute, oldest first, the last one is now', (t) => {
  const c = new MinuteCounts(60);
  const now = T0 + 59 * MIN + 30_000;
  c.add(now, now);
  c.add(now - 10_000, now);
  c.add(now - 5 * MIN, now, 3);
  const s = c.series(now);
  t.is(s.length, 60);
  t.is(s[59], 2);
  t.is(s[54], 3);
  t.is(c.total(now), 5);
});

test('MinuteCounts: the window slides; old events drop out, stale buckets read as zero', (t) => {
  const c = new MinuteCounts(60);
  c.add(T0, T0);
  t.is(c.series(T0)[59], 1);
  // 59 minutes later it is the oldest bucket; at 60 it is gone.
  t.is(c.series(T0 + 59 * MIN)[0], 1);
  t.is(c.total(T0 + 60 * MIN), 0);
  // The same slot, an hour later: the old count does not leak into the new minute.
  c.add(T0 + 60 * MIN, T0 + 60 * MIN);
  t.is(c.series(T0 + 60 * MIN)[59], 1);
  t.is(c.total(T0 + 60 * MIN), 1);
  // Older than the window: not counted.
  t.false(c.add(T0 - 61 * MIN, T0 + 60 * MIN));
});

test('MinuteCounts: a future time (clock skew) counts in the current minute; a clock going back never clobbers newer counts', (t) => {
  const c = new MinuteCounts(60);
  c.add(T0 + 10 * MIN, T0);
  t.is(c.series(T0)[59], 1);
  const d = new MinuteCounts(60);
  d.add(T0 + 60 * MIN, T0 + 60 * MIN, 5); // slot of T0, holding minute T0+60
  t.false(d.add(T0, T0 + 30 * MIN), 'an older minute in that slot is dropped');
  t.is(d.series(T0 + 60 * MIN)[59], 5);
});

test('TopCounts: the heaviest keys, with per-field counts, heaviest first', (t) => {
  const top = new TopCounts<string>(10, 2);
  for (let i = 0; i < 5; i++) top.add('a', 0);
  top.add('a', 1);
  for (let i = 0; i < 3; i++) top.add('b', 0);
  top.add('c', 1, 7);
  t.deepEqual(
    top.top(2).map((e) => [e.key, e.counts, e.total]),
    [
      ['c', [0, 7], 7],
      ['a', [5, 1], 6],
    ],
  );
  t.deepEqual(top.top(0), []);
  t.is(top.top(10).length, 3);
});

test('TopCounts: a flood of one-off keys cannot push out the real offenders, and the map stays bounded', (t) => {
  const top = new TopCounts<string>(100, 1);
  let maxSize = 0;
  for (let i = 0; i < 200_000; i++) {
    // Three real offenders, interleaved with a stream of unique addresses.
    if (i % 50 === 0) top.add('198.51.100.1');
    if (i % 70 === 0) top.add('198.51.100.2');
    if (i % 90 === 0) top.add('198.51.100.3');
    top.add(`k${i}`);
    maxSize = Math.max(maxSize, top.size);
  }
  t.true(maxSize <= 200, `map held ${maxSize}`);
  t.deepEqual(
    top.top(3).map((e) => e.key),
    ['198.51.100.1', '198.51.100.2', '198.51.100.3'],
  );
  t.true(top.forgotten > 0, 'one-offs were forgotten: counts are marked partial');
  // Lossy counting: counts are lower bounds, never more than the truth.
  t.true(top.get('198.51.100.1')![0] <= 4000);
  t.true(top.get('198.51.100.1')![0] > 3000);
});
