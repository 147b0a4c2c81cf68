/**
 * Human names for groups (and album suggestions): the most specific WordNet concept that most of the
 * group's label evidence falls under, and the dates — "Daisies · May 2021", "Dogs · Mar – Jun 2024".
 */
import type { PhotoLabel } from '../labels/photo-labels.js'
import type { Vocabulary } from '../labels/vocabulary.js'
import { MONTH_NAMES, SHORT_MONTH_NAMES } from '../../shared/month-names.js'

/**
 * A concept names a group when it holds this share of the group's label mass (half the photos of one breed
 * and half of another make "Dogs", not either breed)…
 */
export const NAME_MIN_SHARE = 0.6
/** …and at least this much label mass per photo (a group the model hardly recognises stays unnamed). */
export const NAME_MIN_MASS = 0.3

/** Concepts too general to name anything ("Artifacts · May 2021" says nothing). */
const TOO_GENERAL = new Set(
  [
    'entity',
    'physical entity',
    'abstraction',
    'object',
    'whole',
    'artifact',
    'instrumentality',
    'organism',
    'living thing',
    'matter',
    'substance',
    'solid',
    'causal agent',
    'unit',
    'thing',
    'part',
    'device',
    'container',
    'structure',
    'covering',
    'commodity',
    'implement',
    'equipment',
    'system',
    'material',
    'chordate',
    'vertebrate',
    'placental',
    'invertebrate',
    'geological formation',
    'natural object',
    'conveyance',
    'restraint',
    'creation',
    'product',
    'merchandise',
    'consumer goods',
    'durables',
    'nutriment',
    'foodstuff',
    'protective covering',
    'attire',
  ].map((w) => w),
)

/** Words with no plural in a title ("Food", not "Foods"). */
const UNCOUNTABLE = new Set([
  'food',
  'clothing',
  'furniture',
  'equipment',
  'produce',
  'footwear',
  'seafood',
  'tableware',
  'kitchenware',
  'crockery',
  'cutlery',
  'luggage',
  'jewelry',
  'pottery',
  'machinery',
  'hardware',
  'headdress',
  'sheep',
  'fish',
  'deer',
])

const IRREGULAR: Record<string, string> = {
  man: 'men',
  woman: 'women',
  child: 'children',
  person: 'people',
  goose: 'geese',
  mouse: 'mice',
  foot: 'feet',
  tooth: 'teeth',
  knife: 'knives',
  leaf: 'leaves',
  wolf: 'wolves',
  loaf: 'loaves',
  ox: 'oxen',
}

/** "daisy" → "daisies", "sports car" → "sports cars", "food" → "food". */
export function plural(phrase: string): string {
  const words = phrase.split(' ')
  const last = words.at(-1)!
  let p: string
  if (UNCOUNTABLE.has(last.toLowerCase()) || UNCOUNTABLE.has(phrase.toLowerCase())) p = last
  else if (IRREGULAR[last.toLowerCase()]) p = IRREGULAR[last.toLowerCase()]!
  else if (/[^aeiou]y$/i.test(last)) p = `${last.slice(0, -1)}ies`
  else if (/(s|x|z|ch|sh)$/i.test(last)) p = `${last}es`
  else p = `${last}s`
  return [...words.slice(0, -1), p].join(' ')
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/**
 * The concept most of these photos' label mass falls under, as a title ("Daisies", "Dogs", "Food"), or
 * null when no specific concept covers enough of them.
 */
export function labelTitle(
  photoLabels: ReadonlyArray<readonly PhotoLabel[]>,
  vocabulary: Vocabulary,
): string | null {
  if (photoLabels.length === 0) return null
  const mass = new Map<number, number>()
  let total = 0
  for (const labels of photoLabels)
    for (const l of labels) {
      total += l.p
      for (const offset of vocabulary.ancestors[l.cls] ?? []) mass.set(offset, (mass.get(offset) ?? 0) + l.p)
    }
  let best: { offset: number; depth: number; share: number } | null = null
  for (const [offset, m] of mass) {
    const share = m / total
    if (share < NAME_MIN_SHARE || m / photoLabels.length < NAME_MIN_MASS) continue
    const concept = vocabulary.concepts.get(offset)!
    if (concept.words.some((w) => TOO_GENERAL.has(w))) continue
    if (!best || concept.depth > best.depth || (concept.depth === best.depth && share > best.share))
      best = { offset, depth: concept.depth, share }
  }
  if (!best) return null
  return capitalise(plural(vocabulary.concepts.get(best.offset)!.words[0]!))
}

/** "May 2021", "Mar – Jun 2024", "Dec 2023 – Jan 2024", "2019 – 2021"; null without dates. */
export function dateSpan(from: string | null, to: string | null): string | null {
  if (!from) return null
  const a = { y: Number(from.slice(0, 4)), m: Number(from.slice(5, 7)) - 1 }
  const end = to ?? from
  const b = { y: Number(end.slice(0, 4)), m: Number(end.slice(5, 7)) - 1 }
  if (!Number.isFinite(a.y) || !Number.isFinite(b.y) || a.m < 0 || b.m < 0) return null
  if (a.y === b.y && a.m === b.m) return `${MONTH_NAMES[a.m]} ${a.y}`
  if (a.y === b.y) return `${SHORT_MONTH_NAMES[a.m]} – ${SHORT_MONTH_NAMES[b.m]} ${a.y}`
  if (b.y - a.y === 1) return `${SHORT_MONTH_NAMES[a.m]} ${a.y} – ${SHORT_MONTH_NAMES[b.m]} ${b.y}`
  return `${a.y} – ${b.y}`
}

/** A group's name: its label title and its dates, whichever are known ("Photos" when neither is). */
export function groupName(
  photoLabels: ReadonlyArray<readonly PhotoLabel[]>,
  vocabulary: Vocabulary | null,
  from: string | null,
  to: string | null,
): string {
  const title = vocabulary ? labelTitle(photoLabels, vocabulary) : null
  const parts = [title, dateSpan(from, to)].filter((p): p is string => !!p)
  return parts.length > 0 ? parts.join(' · ') : 'Photos'
}
