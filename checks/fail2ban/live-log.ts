// Following fail2ban's log through the Host (Host.readFrom), incrementally:
// only new bytes are read, in bounded pieces, and handed on as whole lines.
//
// - Opening: start at the last `backfillBytes` (the recent past fills the
//   view at once), dropping the partial line we land in.
// - Wake-ups: a file watch (debounced, with a max wait, so a flood gives a
//   few wake-ups a second) plus a slow poll (a watch can miss a rotation).
// - Per wake-up at most `chunksPerTick` reads; more left: another turn of the
//   event loop, so keys and paints are served in between.
// - Behind by more than `maxLagBytes` (the log grows faster than we read):
//   skip ahead to the last `backfillBytes` and count what was skipped, rather
//   than fall further and further behind a flood.
// - Rotation (new inode): first the rest of the old file, if it sits at
//   <log>.1 with the old inode (logrotate's rename), then the new file from
//   its start. Truncation (copytruncate): from the start.

import type { Disposable, Host, TailChunk, Watch } from '../../src/host/host';
import { thrownMessage } from '../updates/finding';

export interface FollowLimits {
  readChunkBytes: number;
  chunksPerTick: number;
  backfillBytes: number;
  maxLagBytes: number;
  pollMs: number;
}

export interface FollowerState {
  state: 'starting' | 'following' | 'missing' | 'error';
  message: string;
  linesRead: number;
  bytesRead: number;
  skippedBytes: number;
  rotations: number;
}

export class LogFollower implements Disposable {
  private offset = 0;
  private inode: number | undefined;
  /** The read position is mid-line (after a jump): drop text up to the next newline. */
  private dropPartial = false;
  /** At open we start near the end; a log that appears later is read from its start. */
  private positioned = false;
  private running = false;
  private again = false;
  private disposed = false;
  private watch: Watch | null = null;
  private timer: NodeJS.Timeout | null = null;
  readonly status: FollowerState = { state: 'starting', message: 'opening', linesRead: 0, bytesRead: 0, skippedBytes: 0, rotations: 0 };

  constructor(
    private readonly host: Host,
    readonly path: string,
    private readonly limits: FollowLimits,
    /** Whole lines, in file order. */
    private readonly onText: (text: string) => void,
    /** Something changed (text handed on, or the state). */
    private readonly onState: () => void,
  ) {}

  start(): void {
    this.watch = this.host.watch([this.path], () => this.poke());
    this.timer = setInterval(() => this.poke(), this.limits.pollMs);
    this.timer.unref?.();
    this.poke();
  }

  /** Wake up and read what is new. Calls made while reading coalesce into one more turn. */
  poke(): void {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  /** Resolves when the reader has nothing left to read (tests). */
  async idle(): Promise<void> {
    while (this.running) await new Promise((r) => setTimeout(r, 5));
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const more = await this.readSome();
        if (more) this.again = true;
        // Yield between turns: keys and paints go first.
        if (this.again) await new Promise((r) => setImmediate(r));
      } while (this.again && !this.disposed);
    } finally {
      this.running = false;
    }
  }

  private setState(state: FollowerState['state'], message: string): void {
    if (this.status.state === state && this.status.message === message) return;
    this.status.state = state;
    this.status.message = message;
    this.onState();
  }

  private async read(path: string, offset: number, inode: number | undefined, maxBytes = this.limits.readChunkBytes): Promise<TailChunk | null | { error: string }> {
    try {
      return await this.host.readFrom(path, offset, maxBytes, { inode });
    } catch (err) {
      return { error: thrownMessage(err) };
    }
  }

  /** One wake-up's worth of reading; true when more is already waiting. */
  private async readSome(): Promise<boolean> {
    for (let i = 0; i < this.limits.chunksPerTick && !this.disposed; i++) {
      if (!this.positioned) {
        // One byte: we only need the size and the inode to know where to start.
        const probe = await this.read(this.path, 0, undefined, 1);
        if (probe === null) return this.missing();
        if ('error' in probe) return this.failed(probe.error);
        this.positioned = true;
        this.inode = probe.inode;
        this.jumpTo(Math.max(0, probe.size - this.limits.backfillBytes));
        continue;
      }
      const chunk = await this.read(this.path, this.offset, this.inode);
      if (chunk === null) return this.missing();
      if ('error' in chunk) return this.failed(chunk.error);
      if (chunk.rotated) {
        this.status.rotations++;
        if (!chunk.truncated && this.inode !== undefined) await this.drainRotated(this.inode, this.offset);
        this.dropPartial = false;
      }
      const from = chunk.rotated ? 0 : this.offset;
      this.inode = chunk.inode;
      this.offset = chunk.nextOffset;
      this.deliver(chunk.text, chunk.nextOffset - from);
      this.setState('following', `following ${this.path}`);
      if (chunk.size - chunk.nextOffset > this.limits.maxLagBytes) {
        const target = chunk.size - this.limits.backfillBytes;
        this.status.skippedBytes += target - chunk.nextOffset;
        this.jumpTo(target);
        this.onState();
        return true;
      }
      if (!chunk.more) return false;
    }
    return true;
  }

  private jumpTo(offset: number): void {
    this.offset = offset;
    this.dropPartial = offset > 0;
  }

  private async missing(): Promise<false> {
    // Renamed away and not yet recreated (logrotate between its two steps):
    // what we had not read yet is in <log>.1 now.
    if (this.inode !== undefined) {
      this.status.rotations++;
      await this.drainRotated(this.inode, this.offset);
    }
    // A log that appears later is new: read it from its start.
    this.positioned = true;
    this.inode = undefined;
    this.offset = 0;
    this.dropPartial = false;
    this.setState('missing', `${this.path} does not exist (yet)`);
    return false;
  }

  private failed(message: string): false {
    this.setState('error', message);
    return false;
  }

  /** The rest of a rotated-away file, when logrotate renamed it to <log>.1 (same inode). */
  private async drainRotated(oldInode: number, from: number): Promise<void> {
    let offset = from;
    let partial = this.dropPartial;
    for (let i = 0; i < this.limits.chunksPerTick; i++) {
      const chunk = await this.read(`${this.path}.1`, offset, oldInode);
      if (chunk === null || 'error' in chunk || chunk.rotated) return; // not our old file: nothing to drain
      let text = chunk.text;
      if (partial) {
        const nl = text.indexOf('\n');
        text = nl < 0 ? '' : text.slice(nl + 1);
        partial = nl < 0;
      }
      this.count(chunk.nextOffset - offset, text);
      if (text) this.onText(text);
      offset = chunk.nextOffset;
      if (!chunk.more) return;
    }
  }

  private deliver(raw: string, bytes: number): void {
    let text = raw;
    if (this.dropPartial && text) {
      const nl = text.indexOf('\n');
      // No newline at all: a cut overlong line, still mid-line afterwards.
      text = nl < 0 ? '' : text.slice(nl + 1);
      this.dropPartial = nl < 0;
    }
    this.count(bytes, text);
    if (text) this.onText(text);
  }

  private count(bytes: number, text: string): void {
    this.status.bytesRead += bytes;
    let lines = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    this.status.linesRead += lines;
  }

  dispose(): void {
    this.disposed = true;
    this.watch?.dispose();
    if (this.timer) clearInterval(this.timer);
    this.watch = null;
    this.timer = null;
  }
}
