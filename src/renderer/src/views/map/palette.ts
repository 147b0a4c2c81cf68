/**
 * Colours for map categories (albums or groups): ten hand-picked hues that stay apart on light and dark
 * backgrounds, then golden-angle hues for any beyond. Unlabelled photos are grey.
 */
const BASE = [
  '#e15759',
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#edc948',
  '#76b7b2',
  '#ff9da7',
  '#9c755f',
  '#8cd17d',
]

export const UNLABELLED = '#9a99a0'

export function categoryColour(index: number): string {
  if (index < 0) return UNLABELLED
  if (index < BASE.length) return BASE[index]!
  const hue = Math.round((index * 137.508) % 360)
  return `hsl(${hue} 62% 55%)`
}
