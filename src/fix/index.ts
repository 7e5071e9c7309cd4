// The fix engine's public face: preview, apply, undo, read the journal.

export { previewPlan, displayCommand, type Preview } from './preview';
export { applyPlan, type ApplyOptions, type ApplyOutcome, type ApplyStage } from './engine';
export { undo, type UndoOptions, type UndoOutcome } from './undo';
export {
  listJournal,
  type ApplyRecord,
  type InterruptedApply,
  type JournalFile,
  type JournalRecord,
  type JournalView,
  type UndoRecord,
} from './journal';
export { DEFAULT_STATE_DIR, READ_ONLY_REASON, isJournalId } from './state';
