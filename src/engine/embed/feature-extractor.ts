/**
 * The engine's way to get the active pack's backbone: opens the pack (downloading it on first use) and
 * an ImageEmbedder on it. A pack that cannot be had is a reason to report, not a crash: photos are still
 * indexed and their embeddings stay pending.
 */
import { ensurePack } from '../models/install.js'
import type { ExtractorResult, ProgressEvent } from '../ports.js'
import type { ProviderName } from '../types.js'
import { ImageEmbedder } from './image-embedder.js'

export interface OpenFeatureExtractorOptions {
  packsDir: string
  packId: string
  /** Folder or URL replacing upstream sources; default $TESSERA_MODEL_MIRROR. */
  mirror?: string
  providers: readonly ProviderName[]
  threads?: number
  /** Download progress of a pack that is fetched on first use. */
  onProgress?: (event: ProgressEvent) => void
  signal?: AbortSignal
  /** false: never download, only open what is installed. */
  download?: boolean
}

export async function openFeatureExtractor(opts: OpenFeatureExtractorOptions): Promise<ExtractorResult> {
  try {
    const { dir, manifest } = await ensurePack(opts.packsDir, opts.packId, {
      mirror: opts.mirror,
      signal: opts.signal,
      download: opts.download,
      onProgress: (done, total, detail) =>
        opts.onProgress?.({
          phase: 'download',
          done,
          total,
          message: `Downloading model ${detail.packId}: ${detail.file}`,
        }),
    })
    const extractor = await ImageEmbedder.open(dir, manifest, {
      providers: opts.providers,
      threads: opts.threads,
    })
    return { ok: true, extractor }
  } catch (err) {
    if (opts.signal?.aborted) throw err
    return { ok: false, reason: err instanceof Error ? err.message : String(err) }
  }
}
