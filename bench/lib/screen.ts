// Waiting on the emulated screen of test/helpers/tui.ts with any predicate.

import type { Tui } from '../../test/helpers/tui';
import { sleep } from './measure';

/**
 * A RegExp whose test() is any predicate on the screen text: the harness's
 * waitForText re-checks it after every parsed chunk of output, so a wait
 * ends on the very write that completed the frame (no polling, which would
 * also steal CPU from the app on a 2-core machine).
 */
class ScreenPredicate extends RegExp {
  constructor(
    private readonly pred: (screen: string) => boolean,
    private readonly label: string,
  ) {
    super('');
  }
  override test(screen: string): boolean {
    return this.pred(screen);
  }
  override toString(): string {
    return this.label;
  }
}

export function waitUntil(tui: Tui, pred: (screen: string) => boolean, what: string, timeoutMs: number): Promise<void> {
  return tui.waitForText(new ScreenPredicate(pred, what), timeoutMs);
}

export async function quit(tui: Tui, key = 'q'): Promise<void> {
  tui.press(key);
  await Promise.race([tui.exited, sleep(5000)]);
  tui.dispose();
}
