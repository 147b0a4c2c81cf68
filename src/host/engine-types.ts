/**
 * The engine's types as the host sees them, read off `Engine`'s public methods: the host depends on what
 * the engine does, not on which of its modules declares it.
 */
import type { Engine } from '../engine/engine.js'

export type EngineConfig = Parameters<typeof Engine.open>[0]
/** What the engine reports while it works (scanning, indexing, downloading, re-projecting). */
export type EngineProgress = Parameters<NonNullable<EngineConfig['onProgress']>>[0]
export type IndexSummary = Awaited<ReturnType<Engine['index']>>
export type TrainOptions = NonNullable<Parameters<Engine['train']>[0]>
export type TrainProgress = Parameters<NonNullable<TrainOptions['onProgress']>>[0]
export type TrainReport = Awaited<ReturnType<Engine['train']>>
export type EngineGroups = Awaited<ReturnType<Engine['groups']>>
export type LibraryWatcher = Awaited<ReturnType<Engine['watch']>>
export type EngineSearchFilters = NonNullable<Parameters<Engine['similar']>[2]>
