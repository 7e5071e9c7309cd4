// Teardown for everything the bench starts (daemons, temp dirs), in reverse
// order, also on Ctrl-C. Shaped like ava's `t` so the test helpers that
// start sshd and nginx can be reused as they are.

export class Cleanup {
  private readonly fns: Array<() => void | Promise<void>> = [];

  teardown(fn: () => void | Promise<void>): void {
    this.fns.push(fn);
  }

  async run(): Promise<void> {
    while (this.fns.length) {
      const fn = this.fns.pop()!;
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`bench: cleanup step failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}
