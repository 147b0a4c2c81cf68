/**
 * Which colour each map point gets: the album it is in (the first, in the albums' order) or its group,
 * with per-colour index lists for drawing (one path per colour) and the legend's counts.
 */
import { categoryColour, UNLABELLED } from './palette'

export interface LegendEntry {
  /** Category index (-1: unlabelled). */
  index: number
  label: string
  colour: string
  count: number
}

export interface Colouring {
  /** Category per point, -1 for none. */
  category: Int32Array
  /** Point indices per category; the last list holds the unlabelled points. */
  buckets: Uint32Array[]
  colours: string[]
  legend: LegendEntry[]
  unlabelled: number
}

function bucketize(category: Int32Array, categories: number): Uint32Array[] {
  const counts = new Uint32Array(categories + 1)
  for (let i = 0; i < category.length; i++) counts[category[i]! < 0 ? categories : category[i]!]!++
  const buckets = Array.from(counts, (n) => new Uint32Array(n))
  const fill = new Uint32Array(categories + 1)
  for (let i = 0; i < category.length; i++) {
    const c = category[i]! < 0 ? categories : category[i]!
    buckets[c]![fill[c]!++] = i
  }
  return buckets
}

/** Colour by album: `albums` in display order, each with its member ids. */
export function colourByAlbum(
  ids: readonly string[],
  albums: ReadonlyArray<{ name: string; members: readonly string[] }>,
): Colouring {
  const indexOf = new Map<string, number>()
  ids.forEach((id, i) => indexOf.set(id, i))
  const category = new Int32Array(ids.length).fill(-1)
  albums.forEach((album, a) => {
    for (const id of album.members) {
      const i = indexOf.get(id)
      if (i !== undefined && category[i] === -1) category[i] = a
    }
  })
  const buckets = bucketize(category, albums.length)
  const colours = albums.map((_, a) => categoryColour(a))
  const legend = albums.map((album, a) => ({
    index: a,
    label: album.name,
    colour: colours[a]!,
    count: buckets[a]!.length,
  }))
  const unlabelled = buckets[albums.length]!.length
  return { category, buckets, colours, legend, unlabelled }
}

/** Colour by group: the largest groups get the first colours; '' is no group. */
export function colourByGroup(groupOf: readonly string[], legendSize = 12): Colouring {
  const sizes = new Map<string, number>()
  for (const g of groupOf) if (g) sizes.set(g, (sizes.get(g) ?? 0) + 1)
  const order = [...sizes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const rank = new Map(order.map(([g], i) => [g, i]))
  const category = new Int32Array(groupOf.length)
  groupOf.forEach((g, i) => (category[i] = g ? rank.get(g)! : -1))
  const buckets = bucketize(category, order.length)
  const colours = order.map((_, i) => categoryColour(i))
  const legend = order.slice(0, legendSize).map(([, count], i) => ({
    index: i,
    label: `Group ${i + 1}`,
    colour: colours[i]!,
    count,
  }))
  return { category, buckets, colours, legend, unlabelled: buckets[order.length]!.length }
}

export { UNLABELLED }
