// Edits collected per file, then applied to the exact text each file had when
// the configuration was read. nginx's fixes edit by offset, Apache's by line:
// the two differ only in what makes two edits the same and how they apply.

import type { FileEdit } from '../../src/core/types';

export class EditsByFile<E> {
  private readonly byFile = new Map<string, E[]>();
  /** A second edit of the same place is a no-op (a shared snippet, a vhost seen twice). */
  private readonly seen = new Set<string>();

  constructor(
    private readonly sameAs: (edit: E) => string,
    private readonly apply: (text: string, edits: E[]) => string,
  ) {}

  add(file: string, edit: E): void {
    const key = `${file}\u0000${this.sameAs(edit)}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const list = this.byFile.get(file) ?? [];
    list.push(edit);
    this.byFile.set(file, list);
  }

  get size(): number {
    return this.byFile.size;
  }

  fileEdits(texts: Map<string, string>): FileEdit[] {
    return [...this.byFile].map(([path, edits]) => {
      const before = texts.get(path);
      if (before === undefined) throw new Error(`${path} was not read while loading the configuration`);
      return { path, before, after: this.apply(before, edits) };
    });
  }
}
