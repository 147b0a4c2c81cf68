import { decodeFeature } from '../head/feature-codec.js'
import { applyHead, loadHead, type Head } from '../head/head.js'
import type { HeadManager } from '../head/head-manager.js'
import type { MatMul } from '../ports.js'
import type { PhotoRow } from '../store/photo-store.js'

export interface VisualSpaceDeps {
  heads: Pick<HeadManager, 'current' | 'versions'>
  /** Reads a saved head (default: from the heads folder). */
  loadHead: (version: string) => Promise<Head>
  matmul: () => Promise<MatMul>
}

/** The newest PCA head made for `model` among `heads` (null when there is none). */
export function newestPcaHead(heads: readonly Head[], model: string): Head | null {
  let pca: Head | null = null
  for (const head of heads)
    if (head.kind === 'pca' && head.model === model && (!pca || head.createdAt > pca.createdAt)) pca = head
  return pca
}

/**
 * Duplicates and groups are visual: after a head trained on albums is accepted, its space pulls whole
 * albums together. So when the active head is a trained one, this replaces the rows' embeddings by the
 * library's newest PCA head applied to their features (in place) and returns true; false when the rows
 * already are in that space (or no PCA head exists).
 */
export async function toVisualSpace(rows: PhotoRow[], deps: VisualSpaceDeps): Promise<boolean> {
  const active = await deps.heads.current()
  if (!active || active.kind === 'pca') return false
  // Versions are named by kind (`pca-…`, `arcface-…`): only PCA heads are read, not every trained head.
  const candidates = (await deps.heads.versions()).filter((v) => v.startsWith('pca-'))
  const pca = newestPcaHead(await Promise.all(candidates.map((v) => deps.loadHead(v))), active.model)
  if (!pca) return false
  const withFeature = rows.filter((r) => r.feature && r.featureModel === pca.model)
  const features = new Float32Array(withFeature.length * pca.inputDim)
  withFeature.forEach((r, i) => decodeFeature(r.feature!, pca.codec, features, i * pca.inputDim))
  const projected = await applyHead(pca, features, withFeature.length, await deps.matmul())
  for (const r of rows) r.embedding = null
  withFeature.forEach((r, i) => {
    r.embedding = projected.slice(i * pca.outputDim, (i + 1) * pca.outputDim)
  })
  return true
}

/** Binds loadHead to a heads folder. */
export function headLoader(headsDir: string): (version: string) => Promise<Head> {
  return (version) => loadHead(headsDir, version)
}
