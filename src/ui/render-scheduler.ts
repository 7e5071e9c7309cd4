// One owner of paint: any number of requests within a frame become one
// render, and nothing is painted when nothing asked for it (idle costs ~0 CPU).

export class RenderScheduler {
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly paint: () => void,
    private readonly frameMs = 16,
  ) {}

  request(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.disposed) this.paint();
    }, this.frameMs);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
