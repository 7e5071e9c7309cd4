// A child's stdout handed over a piece at a time (Host.execStream), so a
// 50 MB decompressed apt index is never one string (issue #10).
//
// The rules are readFrom's (tail.ts), so a consumer written for one works
// with the other:
// - a piece ends just after a "\n", except one line longer than chunkBytes,
//   which is cut (a pathological line cannot make us buffer without bound);
// - a piece is at most chunkBytes bytes; complete lines are handed over as
//   soon as they arrive (a slow producer is not held until chunkBytes fill);
// - text is UTF-8 decoded with a StringDecoder: a cut line is cut on a
//   character boundary when it can be, and a character whose bytes still
//   straddle two pieces (chunkBytes < 4, or invalid UTF-8) is decoded whole
//   with the next piece, never turned into two U+FFFD.
// - at most maxBytes in total; past that the rest is dropped and `truncated`
//   says so (the caller stops the program).
//
// No backpressure machinery is needed: onText is synchronous and runs inside
// the stream's 'data' handler, and Node reads the pipe on the same thread, so
// while onText runs nothing is read and the child blocks once the pipe
// buffer (64 KiB) is full. test/host/exec-stream.test.ts shows it.

import { StringDecoder } from 'node:string_decoder';

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

export class LinePieces {
  private pending: Buffer = EMPTY;
  private readonly decoder = new StringDecoder('utf8');
  private total = 0;
  private stopped = false;
  /** maxBytes was reached: what came after was dropped. */
  truncated = false;
  /** What onText threw (delivery stopped there); undefined when it never threw. */
  error: unknown = undefined;
  failed = false;

  constructor(
    private readonly chunkBytes: number,
    private readonly maxBytes: number,
    private readonly onText: (text: string) => void,
  ) {}

  /** Takes the next bytes of the stream; false once no more are wanted (cap reached or onText threw). */
  add(chunk: Buffer): boolean {
    if (this.stopped) return false;
    let data = chunk;
    const room = this.maxBytes - this.total;
    if (data.length > room) {
      data = data.subarray(0, room);
      this.truncated = true;
    }
    this.total += data.length;
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    this.deliver(false);
    if (this.truncated) this.stopped = true;
    return !this.stopped;
  }

  /** The stream ended: hands over what is left (a last line without "\n"). Returns '' (ExecResult.stdout). */
  end(): string {
    if (!this.failed) this.deliver(true);
    this.stopped = true;
    this.pending = EMPTY;
    return '';
  }

  private deliver(final: boolean): void {
    const buf = this.pending;
    let start = 0;
    while (start < buf.length && !this.failed) {
      const windowEnd = Math.min(buf.length, start + this.chunkBytes);
      // Searched in a view of the window only: a search running back into
      // what was already handed over would make long cut lines quadratic.
      const nl = buf.subarray(start, windowEnd).lastIndexOf(NEWLINE);
      let end: number;
      if (nl >= 0) end = start + nl + 1;
      else if (windowEnd - start === this.chunkBytes) end = characterBoundary(buf, start, windowEnd);
      else if (final) end = windowEnd;
      else break; // an incomplete line: wait for its "\n"
      this.emit(this.decoder.write(buf.subarray(start, end)));
      start = end;
    }
    // Copied when small, so a few leftover bytes do not keep a 64 KiB read buffer alive.
    const rest = buf.subarray(start);
    this.pending = rest.length === 0 ? EMPTY : rest.length < 4096 ? Buffer.from(rest) : rest;
    if (final && !this.failed) this.emit(this.decoder.end());
  }

  private emit(text: string): void {
    if (text === '') return;
    try {
      this.onText(text);
    } catch (err) {
      this.error = err;
      this.failed = true;
      this.stopped = true;
    }
  }
}

/**
 * Where to cut buf[start, end) so that no UTF-8 character is split: `end`,
 * or the start of the character that `end` would split when that leaves a
 * non-empty piece. (A character longer than the whole piece is left to the
 * StringDecoder, which carries its bytes to the next piece.)
 */
export function characterBoundary(buf: Buffer, start: number, end: number): number {
  for (let p = end - 1; p >= start && p >= end - 4; p--) {
    const byte = buf[p];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return p + length > end && p > start ? p : end;
  }
  return end;
}
