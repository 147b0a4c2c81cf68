/** Searching: by photo, by a dropped image, by text (when the model has a text tower). */
import fs from 'node:fs/promises'
import { NoTextTowerError } from '../../engine/text/text-embedder.js'
import { ContractError } from '../../shared/contract.js'
import type { DomainHandlers, HostContext } from './context.js'
import { engineFilters, withTempFile } from './shared.js'

export function searchHandlers({ engine }: HostContext): DomainHandlers<'search'> {
  return {
    'search.capabilities': async () => {
      const model = engine.settings.model
      const pack = (await engine.listModels()).find((p) => p.id === model)
      const text = pack?.text ?? false
      return { text, model, hint: text ? null : new NoTextTowerError({ id: model }).message }
    },
    'search.similar': async (id, k, filters) =>
      engine.similarToPhoto(id, k, await engineFilters(engine, filters)),
    'search.image': (file, k, filters) =>
      withTempFile(file.name, async (tmp) => {
        await fs.writeFile(tmp, Buffer.from(file.base64, 'base64'))
        return engine.similar(tmp, k, await engineFilters(engine, filters))
      }),
    'search.text': async (text, k, filters) => {
      try {
        return await engine.searchText(text, k, await engineFilters(engine, filters))
      } catch (error) {
        if (error instanceof NoTextTowerError) throw new ContractError(error.message, 'no-text-tower')
        throw error
      }
    },
  }
}
