// The staged copy a validation runs on must be the configuration as it is at
// APPLY time, not as it was when the plan was previewed. The engine copies
// the live tree and writes the edited files into the stage, and it refuses
// an edited file whose text changed since the preview; but a file the plan
// only READ (an Include'd drop-in) is not among the edits, and writing the
// planning-time text of every file into the stage would validate that file
// as it was, not as it is. So prepareStage re-reads the configuration from
// the machine (edits overlaid) and refuses when any file it reads differs
// from what the plan saw: the preview, its warnings and its checks with the
// real daemon were all about the old text (preview again).

export interface StagedFile {
  path: string;
  text: string;
}

/** Why the configuration read now is not the one the plan was made on, or null when it is the same. */
export function staleConfigReason(planned: readonly StagedFile[], fresh: readonly StagedFile[]): string | null {
  const before = new Map(planned.map((f) => [f.path, f.text]));
  const now = new Map(fresh.map((f) => [f.path, f.text]));
  for (const [path, text] of now) {
    const old = before.get(path);
    if (old === undefined) return `${path} is read by the configuration now but was not when the plan was made; preview again`;
    if (old !== text) return `${path} changed since the preview; preview again`;
  }
  for (const path of before.keys()) if (!now.has(path)) return `${path} is no longer read by the configuration (removed since the preview); preview again`;
  return null;
}
