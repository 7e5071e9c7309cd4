// The embedded-terminal screen: a bordered box over the panels running one
// command through the PtyPane. It resolves when the admin hands control back.

import * as blessed from 'blessed';
import { escapeTags, sanitizeText } from '../src/core/sanitize';
import { PtyPane, type PtyCommand } from '../src/tty/pty-pane';

export interface TerminalViewOptions {
  top: number;
  bottom: number;
  title: string;
  color: boolean;
}

export class TerminalView {
  private readonly box: blessed.Widgets.BoxElement;
  private pane: PtyPane | null = null;

  constructor(
    private readonly screen: blessed.Widgets.Screen,
    opts: TerminalViewOptions,
  ) {
    this.box = blessed.box({
      parent: screen,
      top: opts.top,
      bottom: opts.bottom,
      left: 0,
      width: '100%',
      border: { type: 'line' },
      label: ` $ ${escapeTags(sanitizeText(opts.title))} `,
      style: opts.color ? { border: { fg: 'cyan' } } : {},
    });
    this.box.setFront();
  }

  /** Run the command; the exit code is null when the admin left before it finished. */
  run(command: PtyCommand): Promise<{ exitCode: number | null }> {
    const pane = new PtyPane({ command, box: this.box });
    this.pane = pane;
    pane.focus();
    this.screen.render();
    return new Promise((resolve) => {
      pane.onRelease(() => resolve({ exitCode: pane.exit ? pane.exit.exitCode : null }));
    });
  }

  dispose(): void {
    this.pane?.dispose();
    this.pane = null;
    this.box.destroy();
  }
}
