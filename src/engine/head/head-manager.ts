import type { PhotoRow, PhotoStore } from '../store/photo-store.js'
import { sqlString } from '../store/photo-store.js'
import { decodeFeature } from './feature-codec.js'
import type { MatMul } from '../linalg/ort-matmul.js'
import type { FeatureCodec } from '../types.js'
import type { ProgressEvent } from '../ports.js'
import { applyHead, listHeads, loadHead, saveHead, type Head } from './head.js'
import { fitPca } from './pca.js'
import { failpoint } from '../library/failpoint.js'

export const HEAD_DIMS = 64
/** PCA is fitted on at most this many photos (a deterministic, evenly spread sample). */
const PCA_SAMPLE = 20_000
/** The library-fitted PCA head is refitted when the number of photos grew by this factor. */
const REFIT_GROWTH = 1.25

export interface HeadManagerDeps {
  /** What heads need of the store (the real PhotoStore, or a fake in unit tests). */
  store: Pick<PhotoStore, 'count' | 'batches' | 'patch'>
  headsDir: string
  matmul: () => Promise<MatMul>
  getActive: () => string | null
  setActive: (version: string) => Promise<void>
  onProgress?: (event: ProgressEvent) => void
  /** The clock naming fitted heads (default: the system clock). */
  now?: () => Date
}

/**
 * Owns the active head: projects new features with it, fits the default PCA head to the library, and
 * switches heads. A switch writes every photo's new embedding in one store commit before the library's
 * settings name the new head, and rows found with another head's embedding are re-projected at the next
 * `reconcile`: so after a crash the library uses one head completely, never a mix.
 */
export class HeadManager {
  private active: Head | null = null
  private loadedVersion: string | null = null

  constructor(private readonly deps: HeadManagerDeps) {}

  async current(): Promise<Head | null> {
    const version = this.deps.getActive()
    if (version === null) return null
    if (this.loadedVersion !== version) {
      this.active = await loadHead(this.deps.headsDir, version)
      this.loadedVersion = version
    }
    return this.active
  }

  async versions(): Promise<string[]> {
    return listHeads(this.deps.headsDir)
  }

  /** Sets `embedding` and `headVersion` on rows whose feature the active head applies to. */
  async project(rows: PhotoRow[]): Promise<void> {
    const head = await this.current()
    if (!head) return
    const targets = rows.filter((r) => r.feature && r.featureModel === head.model)
    if (targets.length === 0) return
    const feats = new Float32Array(targets.length * head.inputDim)
    targets.forEach((r, i) => decodeFeature(r.feature!, head.codec, feats, i * head.inputDim))
    const emb = await applyHead(head, feats, targets.length, await this.deps.matmul())
    targets.forEach((r, i) => {
      r.embedding = emb.slice(i * head.outputDim, (i + 1) * head.outputDim)
      r.headVersion = head.version
    })
  }

  /**
   * Makes sure the library has a head for `model` and that every photo's embedding comes from it: fits
   * the PCA head the first time and when the library has grown enough (never over a trained head), and
   * re-projects rows left with another head's embedding (after a crash, or photos indexed before a fit).
   */
  async reconcile(model: string, codec: FeatureCodec): Promise<{ refitted: boolean; reprojected: number }> {
    const { store } = this.deps
    const withFeature = `featureModel = ${sqlString(model)}`
    const n = await store.count(withFeature)
    if (n === 0) return { refitted: false, reprojected: 0 }
    const head = await this.current()
    const stale = head === null || head.model !== model
    if (stale || (head.kind === 'pca' && n >= Math.ceil(head.fittedOn * REFIT_GROWTH))) {
      const fitted = await this.fitLibraryPca(model, codec, n)
      const reprojected = await this.activate(fitted)
      return { refitted: true, reprojected }
    }
    const mismatched = await store.count(
      `${withFeature} AND (headVersion IS NULL OR headVersion != ${sqlString(head.version)})`,
    )
    if (mismatched === 0) return { refitted: false, reprojected: 0 }
    return { refitted: false, reprojected: await this.reprojectAll(head) }
  }

  /** Saves the head, re-projects every photo with it in one commit, then makes it the active head. */
  async activate(head: Head): Promise<number> {
    await saveHead(this.deps.headsDir, head)
    failpoint('head:before-reproject')
    const count = await this.reprojectAll(head)
    failpoint('head:after-reproject')
    await this.deps.setActive(head.version)
    this.active = head
    this.loadedVersion = head.version
    return count
  }

  private async reprojectAll(head: Head): Promise<number> {
    const { store } = this.deps
    const mm = await this.deps.matmul()
    const patches: Array<{ id: string; embedding: Float32Array; headVersion: string }> = []
    const total = await store.count(`featureModel = ${sqlString(head.model)}`)
    for await (const rows of store.batches(`featureModel = ${sqlString(head.model)}`, ['id', 'feature'])) {
      const feats = new Float32Array(rows.length * head.inputDim)
      rows.forEach((r, i) => decodeFeature(r.feature!, head.codec, feats, i * head.inputDim))
      const emb = await applyHead(head, feats, rows.length, mm)
      rows.forEach((r, i) =>
        patches.push({
          id: r.id,
          embedding: emb.slice(i * head.outputDim, (i + 1) * head.outputDim),
          headVersion: head.version,
        }),
      )
      this.deps.onProgress?.({
        phase: 'head',
        done: patches.length,
        total,
        message: 'Applying the embedding head',
      })
    }
    // One commit: the store switches from the old embeddings to the new ones atomically.
    await store.patch(patches)
    return patches.length
  }

  private async fitLibraryPca(model: string, codec: FeatureCodec, n: number): Promise<Head> {
    const { store } = this.deps
    const step = Math.max(1, Math.ceil(n / PCA_SAMPLE))
    let dim = 0
    const picked: Uint8Array[] = []
    let index = 0
    for await (const rows of store.batches(`featureModel = ${sqlString(model)}`, ['id', 'feature'])) {
      for (const r of rows) {
        if (index++ % step === 0 && r.feature) picked.push(r.feature)
      }
    }
    const sample = picked.map((f) => decodeFeature(f, codec))
    dim = sample[0]!.length
    const matrix = new Float32Array(sample.length * dim)
    sample.forEach((f, i) => matrix.set(f, i * dim))
    this.deps.onProgress?.({
      phase: 'head',
      done: 0,
      total: n,
      message: `Fitting the default head to ${sample.length} photos`,
    })
    const pca = await fitPca(matrix, sample.length, dim, HEAD_DIMS, await this.deps.matmul())
    const bias = new Float32Array(HEAD_DIMS)
    for (let c = 0; c < HEAD_DIMS; c++) {
      let s = 0
      for (let r = 0; r < dim; r++) s += pca.mean[r]! * pca.components[r * HEAD_DIMS + c]!
      bias[c] = -s
    }
    const now = this.deps.now?.() ?? new Date()
    return {
      version: `pca-${now.toISOString().replace(/[:.]/g, '-')}-${n}`,
      kind: 'pca',
      model,
      codec,
      inputDim: dim,
      outputDim: HEAD_DIMS,
      weights: pca.components,
      bias,
      createdAt: now.toISOString(),
      fittedOn: n,
      metrics: {},
    }
  }
}
