/**
 * File names for tiles (their tooltip and alt text). The timeline carries ids only, so a tile asks for its
 * name once it has stayed on screen a moment; names are fetched a few at a time and kept.
 */
import { reactive } from 'vue'
import { client } from './app-state'

export const names = reactive(new Map<string, string>())

const queue: string[] = []
const queued = new Set<string>()
let running = 0
const CONCURRENCY = 4

/** Remembers names already known (search hits and duplicates carry paths). */
export function rememberName(id: string, path: string) {
  if (!names.has(id)) names.set(id, path.split(/[\\/]/).pop() ?? path)
}

export function requestName(id: string) {
  if (names.has(id) || queued.has(id)) return
  queued.add(id)
  queue.push(id)
  pump()
}

/** A tile that scrolled away before its turn no longer needs its name. */
export function cancelName(id: string) {
  if (!queued.has(id)) return
  const i = queue.indexOf(id)
  if (i >= 0) {
    queue.splice(i, 1)
    queued.delete(id)
  }
}

function pump() {
  while (running < CONCURRENCY && queue.length > 0) {
    const id = queue.shift()!
    running++
    client
      .call('library.photo', id)
      .then((detail) => names.set(id, detail.name))
      .catch(() => undefined) // a photo trashed meanwhile: the tile goes away too
      .finally(() => {
        queued.delete(id)
        running--
        pump()
      })
  }
}
