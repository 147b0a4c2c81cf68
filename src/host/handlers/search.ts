/**
 * Searching: by photo, by a dropped image, by words (the built-in model's labels, or the text tower of a
 * CLIP pack), by text (a text tower only); a photo's tags; a tag filter on every search.
 */
import fs from 'node:fs/promises'
import { NoTextTowerError } from '../../engine/text/text-embedder.js'
import { ContractError } from '../../shared/contract.js'
import type { DomainHandlers, HostContext } from './context.js'
import { engineFilters, withTempFile } from './shared.js'
import type { Engine } from '../../engine/engine.js'
import type { SearchFilters } from '../../shared/contract.js'

/** The contract's filters as the engine takes them, a tag included (it becomes the ids it allows). */
async function filtersWithTag(engine: Engine, filters: SearchFilters) {
  const base = await engineFilters(engine, filters)
  return filters.tag ? engine.resolveFilters({ ...base, tag: filters.tag }) : base
}

export function searchHandlers({ engine }: HostContext): DomainHandlers<'search'> {
  return {
    // Words always work: with the built-in model through its labels, with CLIP through its text tower.
    'search.capabilities': async () => ({ text: true, model: engine.settings.model, hint: null }),
    'search.similar': async (id, k, filters) =>
      engine.similarToPhoto(id, k, await filtersWithTag(engine, filters)),
    'search.image': (file, k, filters) =>
      withTempFile(file.name, async (tmp) => {
        await fs.writeFile(tmp, Buffer.from(file.base64, 'base64'))
        return engine.similar(tmp, k, await filtersWithTag(engine, filters))
      }),
    'search.text': async (text, k, filters) => {
      try {
        return await engine.searchText(text, k, await filtersWithTag(engine, filters))
      } catch (error) {
        if (error instanceof NoTextTowerError) throw new ContractError(error.message, 'no-text-tower')
        throw error
      }
    },
    'search.words': async (text, k, filters) => {
      const { tag, ...rest } = filters
      const result = await engine.searchWords(text, k, { ...(await engineFilters(engine, rest)), tag })
      return {
        mode: result.mode,
        terms: result.terms,
        unknown: result.unknown,
        hits: result.hits.map((h) => ({ id: h.id, path: h.path, score: h.score, label: h.label, by: h.by })),
      }
    },
    'search.tags': (id) => engine.photoTags(id),
  }
}
