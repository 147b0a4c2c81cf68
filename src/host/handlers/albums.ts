/** Albums: listing, editing, members, suggestions, export and import. */
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Engine } from '../../engine/engine.js'
import { ContractError, type Results } from '../../shared/contract.js'
import type { DomainHandlers, HostContext } from './context.js'
import { rowsById, withTempFile } from './shared.js'

/** Every album with its count and cover, counting only the photos still in the library; by name. */
async function albumViews(engine: Engine): Promise<Results['albums.list']> {
  const albums = await engine.albums()
  const contents = await albums.contents()
  const alive = await rowsById(engine, [...new Set(contents.flatMap((a) => a.members))])
  return contents
    .map((a) => {
      const shown = a.members.filter((id) => alive.get(id)?.status === 'ok')
      return { id: a.id, name: a.name, count: shown.length, cover: shown[0] ?? null, updatedAt: a.updatedAt }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

async function albumView(engine: Engine, idOrName: string): Promise<Results['albums.create']> {
  const summary = await (await engine.albums()).get(idOrName)
  return (await albumViews(engine)).find((a) => a.id === summary.id)!
}

export function albumsHandlers({ engine, events }: HostContext): DomainHandlers<'albums'> {
  const changed = () => events.emit({ type: 'albums' })
  return {
    'albums.list': () => albumViews(engine),
    'albums.create': async (name) => {
      const album = await (await engine.albums()).create(name)
      changed()
      return albumView(engine, album.id)
    },
    'albums.rename': async (ref, name) => {
      const album = await (await engine.albums()).rename(ref, name)
      changed()
      return albumView(engine, album.id)
    },
    'albums.delete': async (ref) => {
      const result = await (await engine.albums()).delete(ref)
      changed()
      return result
    },
    'albums.add': async (ref, ids) => {
      const rows = await rowsById(engine, ids)
      const known = ids.filter((id) => rows.get(id)?.status === 'ok')
      if (known.length === 0) throw new ContractError('None of these photos is in the library.', 'not-found')
      const result = await (await engine.albums()).add(ref, known)
      changed()
      return result
    },
    'albums.remove': async (ref, ids) => {
      const result = await (await engine.albums()).remove(ref, ids)
      changed()
      return result
    },
    'albums.members': async (ref) => {
      const members = await (await engine.albums()).members(ref)
      const rows = await rowsById(engine, members)
      return members.filter((id) => rows.get(id)?.status === 'ok')
    },
    'albums.suggest': (ref, k) => engine.suggest(ref, k),
    // The engine's export and import work on files (the CLI's); here they go through a private temp file.
    'albums.export': () =>
      withTempFile('albums.json', async (file) => {
        const { albums, members, missing } = await engine.exportAlbums(file)
        return { text: await fs.readFile(file, 'utf8'), albums, members, missing }
      }),
    'albums.import': ({ name, text }) =>
      withTempFile(path.basename(name) || 'albums.json', async (file) => {
        await fs.writeFile(file, text)
        const report = await engine.importAlbums(file)
        changed()
        return report
      }),
  }
}
