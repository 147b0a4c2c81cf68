import type { AlbumStore, Membership } from '../albums/index.js'
import { decodeFeature } from '../head/feature-codec.js'
import { loadHead, saveHead, type Head } from '../head/head.js'
import type { HeadManager } from '../head/head-manager.js'
import type { Serial } from '../library/serial.js'
import type { LabelledSet, Comparison } from '../personalize/train-and-compare.js'
import type { FeatureCodec } from '../types.js'
import type { MatMul, SettingsPort } from '../ports.js'
import type { PhotoRow, PhotoStore } from '../store/photo-store.js'
import type { TrainOptions } from '../train/train-head.js'

export interface TrainReport {
  before: { 'mP@5': number }
  after: { 'mP@5': number }
  epochs: number
  seconds: number
  headVersion: string
  accepted: boolean
  albums: number
  trainPhotos: number
  heldOutPhotos: number
}

export type HeadSummary = Omit<Head, 'weights' | 'bias'> & { active: boolean }

export type CompareFn = (
  set: LabelledSet,
  current: Head,
  mm: MatMul,
  options: TrainOptions & { trainFraction?: number },
) => Promise<Comparison>

export interface TrainingServiceDeps {
  store: PhotoStore
  heads: HeadManager
  headsDir: string
  settings: SettingsPort
  serial: Serial
  readOnly: boolean
  albums: () => Promise<AlbumStore>
  matmul: () => Promise<MatMul>
  installedPack: () => Promise<{ model: string; codec: FeatureCodec } | null>
  /** Trains a head and measures it against the current one (default: in a worker thread). */
  compare?: CompareFn
}

/**
 * The labelled set for training: one class per album that has usable photos (status ok, a feature of the
 * current head's model), classes ordered by album name; photos sorted by id, each with the sorted classes
 * of every album it is in, and its decoded feature. Photos without a usable feature are left out.
 */
export function assembleTrainingSet(
  memberships: readonly Membership[],
  albumNames: ReadonlyMap<string, string>,
  rows: readonly PhotoRow[],
  head: Pick<Head, 'model' | 'codec' | 'inputDim'>,
): LabelledSet {
  const usable = new Map(
    rows.filter((r) => r.status === 'ok' && r.feature && r.featureModel === head.model).map((r) => [r.id, r]),
  )
  const albumIds = [...new Set(memberships.filter((m) => usable.has(m.photoId)).map((m) => m.albumId))].sort(
    (a, b) => albumNames.get(a)!.localeCompare(albumNames.get(b)!),
  )
  const labelsOf = new Map<string, number[]>()
  for (const m of memberships) {
    const c = albumIds.indexOf(m.albumId)
    if (c >= 0 && usable.has(m.photoId)) labelsOf.set(m.photoId, [...(labelsOf.get(m.photoId) ?? []), c])
  }
  const ids = [...labelsOf.keys()].sort()
  const features = new Float32Array(ids.length * head.inputDim)
  ids.forEach((id, i) => decodeFeature(usable.get(id)!.feature!, head.codec, features, i * head.inputDim))
  return {
    ids,
    features,
    dim: head.inputDim,
    labels: ids.map((id) => labelsOf.get(id)!.sort((a, b) => a - b)),
    classNames: albumIds.map((a) => albumNames.get(a)!),
  }
}

/** Heads: training one on the albums, listing and switching them, and keeping the head pointer true. */
export class TrainingService {
  constructor(private readonly deps: TrainingServiceDeps) {}

  /**
   * A head switch commits every photo's new embedding at once, then records the new head in the
   * settings. After a crash between the two, the rows are the truth: the pointer is set to the head they
   * carry (saved when this engine may write), so the library uses one head completely, never a mix.
   */
  async recoverHeadPointer(): Promise<void> {
    const [row] = await this.deps.store.query(`headVersion IS NOT NULL`, ['headVersion'], 1)
    const carried = row?.headVersion ?? null
    if (carried === null || carried === this.deps.settings.get().activeHead) return
    if (!(await this.deps.heads.versions()).includes(carried)) return
    if (this.deps.readOnly) this.deps.settings.assume({ activeHead: carried })
    else await this.deps.settings.update({ activeHead: carried })
  }

  /**
   * Trains a new head on the albums (each album a class): part of every album is held out, and the
   * held-out mP@5 is measured with the current head and with the new one on the same photos. The new head
   * is saved as a version; it becomes the library's head only when accepted.
   */
  async train(
    options: TrainOptions & { accept?: boolean; trainFraction?: number } = {},
  ): Promise<TrainReport> {
    const { accept = false, trainFraction = 0.5, ...trainOptions } = options
    const current = await this.deps.heads.current()
    if (!current) throw new Error('The library has no embeddings yet: index some photos first.')
    const albums = await this.deps.albums()
    const names = new Map((await albums.list()).map((a) => [a.id, a.name]))
    const memberships = await albums.memberships()
    const rows = await this.deps.store.get([...new Set(memberships.map((m) => m.photoId))])
    const set = assembleTrainingSet(memberships, names, rows, current)
    if (set.classNames.length < 2) {
      const n = set.classNames.length
      throw new Error(
        `Training needs at least 2 albums with indexed photos; there ${n === 1 ? 'is 1' : `are ${n}`}.`,
      )
    }
    // Training (its worker and its matrix products) loads with the first training run.
    const compare = this.deps.compare ?? (await import('../personalize/train-and-compare.js')).trainAndCompare
    const comparison = await compare(set, current, await this.deps.matmul(), {
      ...trainOptions,
      trainFraction,
    })
    await saveHead(this.deps.headsDir, comparison.head)
    if (accept) await this.deps.serial.run(() => this.deps.heads.activate(comparison.head))
    return {
      before: { 'mP@5': comparison.before },
      after: { 'mP@5': comparison.after },
      epochs: comparison.train.settings.epochs,
      seconds: comparison.seconds,
      headVersion: comparison.head.version,
      accepted: accept,
      albums: set.classNames.length,
      trainPhotos: comparison.trainPhotos,
      heldOutPhotos: comparison.heldOutPhotos,
    }
  }

  /** Every saved head, newest first, with its metrics; `active` marks the one in use. */
  async listHeads(): Promise<HeadSummary[]> {
    const { headsDir, settings } = this.deps
    const heads = await Promise.all((await this.deps.heads.versions()).map((v) => loadHead(headsDir, v)))
    return heads
      .map(({ weights: _w, bias: _b, ...meta }) => ({
        ...meta,
        active: meta.version === settings.get().activeHead,
      }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  /** Switches the library to a saved head: every embedding is re-projected (no decoding), atomically. */
  async useHead(version: string): Promise<{ reprojected: number }> {
    return this.deps.serial.run(async () => {
      if (!(await this.deps.heads.versions()).includes(version))
        throw new Error(`There is no head "${version}". See \`tessera heads list\`.`)
      const head = await loadHead(this.deps.headsDir, version)
      const pack = await this.deps.installedPack()
      if (!pack || pack.model !== head.model) {
        throw new Error(
          `Head ${version} was made for ${head.model}, but the library uses ${pack?.model ?? 'no installed model'}.`,
        )
      }
      return { reprojected: await this.deps.heads.activate(head) }
    })
  }
}
