/**
 * Moving photos to the OS trash, never deleting them, with a journal that makes the last action undoable
 * after a restart and a crash harmless.
 */
export {
  TrashJournal,
  JOURNAL_FILE,
  type JournalAction,
  type JournalItem,
  type RecoverResult,
  type RestoreResult,
  type RestoreSelection,
  type TrashFilesOptions,
  type TrashHooks,
  type TrashJournalOptions,
  type TrashResult,
  type UndoResult,
} from './trash-journal.js'
export { TrashBins, escapeInfoPath, trashInfoText, type TrashBin, type TrashBinOptions } from './trash-bin.js'
