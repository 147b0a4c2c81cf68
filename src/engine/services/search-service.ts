import path from 'node:path'
import { canonicalPath } from '../library/canonical-path.js'
import { decodeFeature } from '../head/feature-codec.js'
import { clusterPhotos, type ClusterOptions, type PhotoGroup } from '../groups/cluster-photos.js'
import { groupName } from '../groups/group-names.js'
import { DEFAULT_MODEL } from '../library/settings.js'
import type { LabelIndex } from '../labels/label-index.js'
import { TAG_MIN_EVIDENCE, evidence } from '../labels/photo-labels.js'
import { CLASSES } from '../labels/imagenet.js'
import {
  ANCHOR_EVIDENCE,
  MAX_ANCHORS,
  lookAlikes,
  rankByEvidence,
  type WordSearchResult,
} from '../labels/word-search.js'
import { applyHead } from '../head/head.js'
import { searchPlace } from '../places/place-search.js'
import { openPack } from '../models/install.js'
import type { ExtractorResult, PhotoDecoder, SettingsPort } from '../ports.js'
import type { FeatureSearch } from '../search/feature-search.js'
import {
  makeFilter,
  PhotoSearch,
  FILTER_COLUMNS,
  filterMeta,
  type SearchFilters,
  type SearchHit,
} from '../search/photo-search.js'
import type { PhotoRow, PhotoStore } from '../store/photo-store.js'
import type { TextEmbedder } from '../text/text-embedder.js'
import type { ModelManifest } from '../types.js'
import { toVisualSpace, type VisualSpaceDeps } from './visual-space.js'

export interface SearchServiceDeps extends VisualSpaceDeps {
  store: PhotoStore
  packsDir: string
  settings: SettingsPort
  decoder: PhotoDecoder
  featureExtractor: () => Promise<ExtractorResult>
  textEmbedder: (dir: string, manifest: ModelManifest) => Promise<TextEmbedder>
  photoByPath: (p: string) => Promise<PhotoRow | undefined>
  labels: LabelIndex
}

export type GroupWithPaths = PhotoGroup & { paths: string[]; coverPath: string; name: string }

/** Search filters plus a tag: a word the photos' labels must give evidence for (TAG_MIN_EVIDENCE). */
export type WordFilters = SearchFilters & { tag?: string }

/** A tag shown on a photo: a label's class name, or a broader word it falls under. */
export interface PhotoTag {
  /** What to show and to search for ("golden retriever", "dog"). */
  word: string
  /** Probability mass the photo's labels put on it. */
  p: number
  kind: 'label' | 'category'
}

/** Broad words shown as tags when a photo's labels fall under them (the viewer's "dog", "food", "car"). */
const CATEGORY_WORDS = [
  'dog',
  'cat',
  'bird',
  'fish',
  'insect',
  'reptile',
  'flower',
  'fruit',
  'vegetable',
  'food',
  'car',
  'truck',
  'boat',
  'aircraft',
  'vehicle',
  'building',
  'clothing',
  'furniture',
  'musical instrument',
  'animal',
  'plant',
]

/** A tag or word that the vocabulary does not know (with near words that it knows). */
export class UnknownWordError extends Error {
  override readonly name = 'UnknownWordError'
  constructor(
    readonly word: string,
    readonly suggestions: string[],
  ) {
    super(
      `"${word}" is not a word Tessera can find photos by${suggestions.length > 0 ? `; near words: ${suggestions.join(', ')}` : ''}.`,
    )
  }
}

/** Finding photos: similar ones (to a photo or any file), automatic groups, and text search. */
export class SearchService {
  private search: PhotoSearch | null = null
  private textSearch: FeatureSearch | null = null

  constructor(private readonly deps: SearchServiceDeps) {}

  /** The exact similarity index over the library's embeddings (shared with duplicates and albums). */
  photoSearch(): PhotoSearch {
    this.search ??= new PhotoSearch(this.deps.store)
    return this.search
  }

  /** Automatic groups of visually related photos, split into events by capture time. */
  async groups(options: ClusterOptions = {}): Promise<{ groups: GroupWithPaths[]; ungrouped: number }> {
    // Like duplicates, groups are visual: found in the library's own space, not a trained head's.
    const rows = await this.deps.store.query(`status = 'ok' AND embedding IS NOT NULL`, [
      'id',
      'path',
      'embedding',
      'takenAt',
      'feature',
      'featureModel',
    ])
    await toVisualSpace(rows, this.deps)
    const pathOf = new Map(rows.map((r) => [r.id, r.path]))
    const result = await clusterPhotos(
      rows
        .filter((r) => r.embedding !== null)
        .map((r) => ({ id: r.id, embedding: r.embedding!, takenAt: r.takenAt })),
      await this.deps.matmul(),
      options,
    )
    const labels = await this.deps.labels.all()
    const vocabulary = labels.size > 0 ? await this.deps.labels.vocabulary() : null
    return {
      groups: result.groups.map((g) => ({
        ...g,
        coverPath: pathOf.get(g.cover)!,
        paths: g.photos.map((id) => pathOf.get(id)!),
        name: groupName(
          g.photos.map((id) => labels.get(id) ?? []),
          vocabulary,
          g.from,
          g.to,
        ),
      })),
      ungrouped: result.ungrouped.length,
    }
  }

  /** Photo ids whose labels give a word enough evidence (a tag filter); unknown words throw. */
  async taggedIds(tag: string): Promise<Set<string>> {
    const vocabulary = await this.deps.labels.vocabulary()
    const hit = vocabulary.lookup(tag)
    if (!hit) throw new UnknownWordError(tag, vocabulary.suggest(tag))
    const classes = new Set(hit.classes)
    const out = new Set<string>()
    for (const [id, ls] of await this.deps.labels.all())
      if (evidence(ls, classes) >= TAG_MIN_EVIDENCE) out.add(id)
    return out
  }

  /** The engine's filters for word filters: a tag becomes the ids it allows (with any ids given). */
  async resolveFilters(filters: WordFilters): Promise<SearchFilters> {
    const { tag, ...rest } = filters
    if (!tag) return rest
    const tagged = await this.taggedIds(tag)
    const ids = rest.ids ? new Set([...rest.ids].filter((id) => tagged.has(id))) : tagged
    return { ...rest, ids }
  }

  /** A photo's tags: its labels (at least TAG_MIN_EVIDENCE) and the broad words they fall under. */
  async photoTags(id: string): Promise<PhotoTag[]> {
    const labels = await this.deps.labels.of(id)
    if (labels.length === 0) return []
    const tags: PhotoTag[] = labels
      .filter((l) => l.p >= TAG_MIN_EVIDENCE)
      .map((l) => ({ word: CLASSES[l.cls]!.name, p: l.p, kind: 'label' as const }))
    const vocabulary = await this.deps.labels.vocabulary()
    for (const word of CATEGORY_WORDS) {
      const p = evidence(labels, new Set(vocabulary.lookup(word)?.classes ?? []))
      // The most specific broad word only: "dog" rather than also "animal".
      if (p >= TAG_MIN_EVIDENCE && !tags.some((t) => t.kind === 'category' && t.p >= p))
        tags.push({ word, p, kind: 'category' })
    }
    return tags
  }

  /**
   * Finds photos by words ("dog", "red wine", "a car"). With a pack that has a text tower (CLIP) the text
   * tower ranks them; otherwise the built-in model's labels do, expanded through WordNet (rankByEvidence),
   * followed by look-alikes of the confident hits when there are fewer than k. Unknown words are reported
   * with near words; a query with no known word finds nothing.
   */
  async searchWords(text: string, k = 10, filters: WordFilters = {}): Promise<WordSearchResult> {
    const engineFilters = await this.resolveFilters(filters)
    // The name of a place photos were taken in ("Paris", "Japan"): those photos (places/place-search.ts).
    const placed = await searchPlace(this.deps.store, text, k, engineFilters)
    if (placed) return placed
    const model = this.deps.settings.get().model
    const pack = await openPack(this.deps.packsDir, model, { verify: false }).catch(() => null)
    if (pack?.manifest.text) {
      const hits = await this.searchText(text, k, engineFilters)
      return {
        mode: 'clip',
        hits: hits.map((h) => ({ ...h, label: null, by: 'labels' as const })),
        terms: [],
        unknown: [],
      }
    }
    const vocabulary = await this.deps.labels.vocabulary()
    const parsed = vocabulary.parse(text)
    const terms = parsed.terms.map((t) => ({ text: t.text, word: t.word, classes: t.classes.length }))
    const result: WordSearchResult = { mode: 'labels', hits: [], terms, unknown: parsed.unknown }
    if (parsed.terms.length === 0) return result
    if (!(await this.deps.labels.available()))
      throw new Error(
        model === DEFAULT_MODEL
          ? `The built-in model pack in this library was installed before labels existed: run \`tessera models download ${model}\` once (or download it again in Settings; photos are not indexed again), then search again.`
          : `The model pack ${model} gives no labels: search by words needs the built-in model (${DEFAULT_MODEL}) or a pack with text search.`,
      )
    const meta = filterMeta(await this.deps.store.query(`status = 'ok'`, FILTER_COLUMNS))
    const allow = makeFilter(engineFilters, meta)
    const ranked = rankByEvidence(
      parsed.terms,
      await this.deps.labels.all(),
      (id) => meta.has(id) && (!allow || allow(id)),
    )
    const hits = ranked.slice(0, k)
    if (hits.length < k) {
      const anchorIds = ranked
        .filter((h) => h.score >= ANCHOR_EVIDENCE)
        .slice(0, MAX_ANCHORS)
        .map((h) => h.id)
      const anchors = (await this.deps.store.get(anchorIds))
        .map((r) => r.embedding)
        .filter((e): e is Float32Array => e !== null)
      const exclude = new Set(ranked.map((h) => h.id))
      hits.push(
        ...(await lookAlikes(
          anchors,
          (c) => this.photoSearch().similarToVector(c, k + exclude.size, engineFilters),
          exclude,
          k - hits.length,
        )),
      )
    }
    result.hits = hits.map((h) => ({ ...h, path: meta.get(h.id)!.path }))
    return result
  }

  /**
   * The k photos most similar to `target`: a library photo, or any image file (decoded and embedded on
   * the fly, not added to the library). Exact cosine ranking on the 64-d embeddings.
   */
  async similar(target: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const abs = canonicalPath(target)
    const known = await this.deps.photoByPath(abs)
    if (known?.embedding) return this.photoSearch().similarToPhoto(known.id, k, filters)
    return this.photoSearch().similarToVector(await this.embedFile(abs), k, filters)
  }

  /** The k photos most similar to a library photo (itself excluded), by id. */
  async similarToPhoto(id: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    return this.photoSearch().similarToPhoto(id, k, filters)
  }

  /** Decodes, embeds and projects one file with the active model and head, without storing anything. */
  async embedFile(file: string): Promise<Float32Array> {
    const ex = await this.deps.featureExtractor()
    if (!ex.ok) throw new Error(ex.reason)
    const head = await this.deps.heads.current()
    if (!head || head.model !== ex.extractor.model)
      throw new Error('The library has no embeddings yet: index some photos first.')
    const bytes = await this.deps.decoder.read(file)
    const decoded = await this.deps.decoder.decode(bytes, {
      inputSize: ex.extractor.inputSize,
      name: path.basename(file),
    })
    const [feature] = await ex.extractor.embed([decoded.modelInput])
    return applyHead(head, decodeFeature(feature!, head.codec), 1, await this.deps.matmul())
  }

  /**
   * Text search ("dog on a beach") with a pack that has a text tower (CLIP): the text embedding is
   * compared with the photos' image features in the model's shared space.
   */
  async searchText(text: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const model = this.deps.settings.get().model
    const { dir, manifest } = await openPack(this.deps.packsDir, model, { verify: false }).catch(() => {
      throw new Error(`The model pack ${model} is not installed: run \`tessera models download ${model}\`.`)
    })
    // Text search's modules (and their inference runtime) load with the first text query.
    if (!manifest.text) {
      const { NoTextTowerError } = await import('../text/text-embedder.js')
      throw new NoTextTowerError(manifest)
    }
    const [query] = await (await this.deps.textEmbedder(dir, manifest)).embed([text])
    const { FeatureSearch } = await import('../search/feature-search.js')
    this.textSearch ??= new FeatureSearch(
      this.deps.store,
      `${manifest.id}@${manifest.version}`,
      manifest.visual.codec,
    )
    return this.textSearch.search(query!, k, filters)
  }

  /** Forgets the text index (its model's sessions were closed: another pack or other providers). */
  async dropTextSearch(): Promise<void> {
    await this.textSearch?.close()
    this.textSearch = null
  }

  async close(): Promise<void> {
    await this.search?.close()
    await this.dropTextSearch()
  }
}
