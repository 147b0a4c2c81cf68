/**
 * Every photo's labels, for word search, tag filters and group names. Labels are written to the store by the
 * index step (`fillMissing`, run after each index run: new photos, and photos of a library indexed before
 * labels existed, from their stored features — no decoding). A read-only engine (the CLI's `search`) that
 * finds photos without stored labels computes theirs in memory from the same features, so word search works
 * on any library at once.
 */
import { openPack } from '../models/install.js'
import type { MatMul, SettingsPort } from '../ports.js'
import { sqlString, type PhotoRow, type PhotoStore } from '../store/photo-store.js'
import { decodeLabels, encodeLabels, openLabeller, type Labeller, type PhotoLabel } from './photo-labels.js'
import { loadVocabulary, type Vocabulary } from './vocabulary.js'

export interface LabelIndexDeps {
  store: PhotoStore
  packsDir: string
  settings: SettingsPort
  /** The engine's matrix-product session: photos are labelled a batch at a time through it. */
  matmul: () => Promise<MatMul>
}

/** Rows labelled per commit when filling a library. */
const FILL_BATCH = 500

export class LabelIndex {
  private labellerOf: { model: string; labeller: Promise<Labeller | null> } | null = null
  private cache: { version: number; model: string; labels: Map<string, PhotoLabel[]> } | null = null

  constructor(private readonly deps: LabelIndexDeps) {}

  /** The vocabulary (WordNet), built on first use. */
  vocabulary(): Promise<Vocabulary> {
    return loadVocabulary()
  }

  /** The active pack's labeller, or null when the pack has no ImageNet classifier. */
  labeller(): Promise<Labeller | null> {
    const model = this.deps.settings.get().model
    if (this.labellerOf?.model !== model) {
      const labeller = openPack(this.deps.packsDir, model, { verify: false })
        .then(({ dir, manifest }) => openLabeller(dir, manifest))
        .catch(() => null)
      this.labellerOf = { model, labeller }
    }
    return this.labellerOf.labeller
  }

  private missingFilter(labeller: Labeller): string {
    return `status != 'failed' AND labels IS NULL AND feature IS NOT NULL AND featureModel = ${sqlString(labeller.model)}`
  }

  /** Labels every photo that has a feature of the active pack but no labels yet; returns how many. */
  async fillMissing(signal?: AbortSignal): Promise<number> {
    const labeller = await this.labeller()
    if (!labeller) return 0
    let done = 0
    const pending: Array<{ id: string; labels: string }> = []
    for await (const rows of this.deps.store.batches(this.missingFilter(labeller), ['id', 'feature'])) {
      const labels = await this.labelRows(labeller, rows)
      rows.forEach((r, i) => pending.push({ id: r.id, labels: encodeLabels(labels[i]!) }))
      while (pending.length >= FILL_BATCH) {
        signal?.throwIfAborted()
        const part = pending.splice(0, FILL_BATCH)
        await this.deps.store.patch(part)
        done += part.length
      }
    }
    if (pending.length > 0) await this.deps.store.patch(pending)
    return done + pending.length
  }

  /**
   * Stored labels (encoded) for features of `model` just computed: the indexer labels each batch as it is
   * embedded, so a run leaves nothing for `fillMissing`. Null when the active pack has no classifier or is
   * another model (`fillMissing` then does what it can after the run, as before).
   */
  async encodedFor(model: string, features: readonly Uint8Array[]): Promise<string[] | null> {
    const labeller = await this.labeller()
    if (!labeller || labeller.model !== model) return null
    const mm = await this.deps.matmul()
    const labels = await labeller.labelBatch(features, (a, n, k, b, m) => mm.run(a, n, k, b, m))
    return labels.map(encodeLabels)
  }

  /** Every shown photo's labels (stored, or computed now from its feature), by id. */
  async all(): Promise<Map<string, PhotoLabel[]>> {
    const version = await this.deps.store.version()
    const model = this.deps.settings.get().model
    if (this.cache?.version === version && this.cache.model === model) return this.cache.labels
    const labels = new Map<string, PhotoLabel[]>()
    const stored = await this.deps.store.query(`status = 'ok' AND labels IS NOT NULL`, ['id', 'labels'])
    for (const r of stored) labels.set(r.id, decodeLabels(r.labels))
    const labeller = await this.labeller()
    if (labeller) {
      for await (const rows of this.deps.store.batches(`${this.missingFilter(labeller)} AND status = 'ok'`, [
        'id',
        'feature',
      ])) {
        const computed = await this.labelRows(labeller, rows)
        rows.forEach((r, i) => labels.set(r.id, computed[i]!))
      }
    }
    this.cache = { version, model, labels }
    return labels
  }

  private async labelRows(labeller: Labeller, rows: PhotoRow[]): Promise<PhotoLabel[][]> {
    const mm = await this.deps.matmul()
    return labeller.labelBatch(
      rows.map((r) => r.feature!),
      (a, n, k, b, m) => mm.run(a, n, k, b, m),
    )
  }

  /** One photo's labels. */
  async of(id: string): Promise<PhotoLabel[]> {
    return (await this.all()).get(id) ?? []
  }

  /** Whether the library can be searched by words at all (some photo has labels). */
  async available(): Promise<boolean> {
    return (await this.all()).size > 0 || (await this.labeller()) !== null
  }
}
