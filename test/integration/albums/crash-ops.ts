/**
 * The deterministic work of the kill -9 test: the child process performs these operations in order, and
 * the test replays them on a plain model to know what a prefix of them must look like.
 */
import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'
import type { AlbumStore } from '../../../src/engine/albums/album-store.js'

export type CrashOp =
  | { op: 'create'; name: string }
  | { op: 'add'; album: string; photos: string[] }
  | { op: 'remove'; album: string; photos: string[] }
  | { op: 'rename'; album: string; to: string }
  | { op: 'delete'; album: string }
  | { op: 'merge'; entries: Array<{ name: string; photoIds: string[] }> }

export const BASE_ALBUMS = ['Base 0', 'Base 1', 'Base 2', 'Base 3']

const prng = seededRandom

/** Operations of one round; they touch the base albums and albums of their own round only. */
export function crashOps(round: number, count: number): CrashOp[] {
  const rand = prng(round * 7919 + 17)
  const int = (n: number) => Math.floor(rand() * n)
  const photos = (n: number) => Array.from({ length: n }, () => `photo-${int(600)}`)
  const own: string[] = []
  let counter = 0
  const fresh = () => `R${round} A${counter++}`
  const pick = () => {
    const all = [...BASE_ALBUMS, ...own]
    const name = all[int(all.length)]!
    return rand() < 0.2 ? name.toLowerCase() : name // names are case-insensitive
  }
  const ops: CrashOp[] = []
  for (let i = 0; i < count; i++) {
    const r = rand()
    if (own.length < 3 || r < 0.06) {
      const name = fresh()
      own.push(name)
      ops.push({ op: 'create', name })
    } else if (r < 0.6) {
      ops.push({ op: 'add', album: pick(), photos: photos(1 + int(4)) })
    } else if (r < 0.78) {
      ops.push({ op: 'remove', album: pick(), photos: photos(1 + int(3)) })
    } else if (r < 0.84) {
      const at = int(own.length)
      const to = fresh()
      ops.push({ op: 'rename', album: own[at]!, to })
      own[at] = to
    } else if (r < 0.88 && own.length > 3) {
      ops.push({ op: 'delete', album: own.splice(int(own.length), 1)[0]! })
    } else {
      // Big records (an import of hundreds of photos) make a kill in the middle of a write likely.
      const name = fresh()
      own.push(name)
      ops.push({
        op: 'merge',
        entries: [
          { name: pick(), photoIds: photos(50 + int(250)) },
          { name, photoIds: photos(50 + int(250)) },
        ],
      })
    }
  }
  return ops
}

export async function runOp(store: AlbumStore, op: CrashOp): Promise<void> {
  switch (op.op) {
    case 'create':
      await store.create(op.name)
      return
    case 'add':
      await store.add(op.album, op.photos)
      return
    case 'remove':
      await store.remove(op.album, op.photos)
      return
    case 'rename':
      await store.rename(op.album, op.to)
      return
    case 'delete':
      await store.delete(op.album)
      return
    case 'merge':
      await store.merge(op.entries)
      return
  }
}

/** What the albums must be: display name and member set, by lower-cased name. */
export type Model = Map<string, { name: string; members: Set<string> }>

export function applyToModel(model: Model, op: CrashOp): void {
  const get = (name: string) => {
    const album = model.get(name.toLowerCase())
    if (!album) throw new Error(`model: no album ${name}`)
    return album
  }
  switch (op.op) {
    case 'create':
      model.set(op.name.toLowerCase(), { name: op.name, members: new Set() })
      return
    case 'add':
      for (const p of op.photos) get(op.album).members.add(p)
      return
    case 'remove':
      for (const p of op.photos) get(op.album).members.delete(p)
      return
    case 'rename': {
      const album = get(op.album)
      model.delete(op.album.toLowerCase())
      model.set(op.to.toLowerCase(), { name: op.to, members: album.members })
      return
    }
    case 'delete':
      model.delete(op.album.toLowerCase())
      return
    case 'merge':
      for (const e of op.entries) {
        const key = e.name.toLowerCase()
        if (!model.has(key)) model.set(key, { name: e.name, members: new Set() })
        for (const p of e.photoIds) model.get(key)!.members.add(p)
      }
      return
  }
}

export function cloneModel(model: Model): Model {
  return new Map([...model].map(([k, v]) => [k, { name: v.name, members: new Set(v.members) }]))
}

/** A canonical text of a model, to compare two of them and to show the difference when they differ. */
export function describeModel(model: Model): string {
  return [...model.values()]
    .map((a) => `${a.name}: ${[...a.members].sort().join(',')}`)
    .sort()
    .join('\n')
}
