/**
 * Matching a typed place ("paris", "Zurich", "Paris, France", "reykjavik") against the places photos were
 * given: case, accents, punctuation and spacing do not matter; every comma-separated part must name the
 * city or the country.
 */

/** "Zürich " → "zurich", "São Paulo" → "sao paulo", "Hell's Kitchen" → "hells kitchen". */
export function normalizePlace(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/** A test for a typed place, or null when the text names nothing (blank). */
export function placeMatcher(
  query: string,
): ((city: string | null, country: string | null) => boolean) | null {
  const parts = query
    .split(',')
    .map(normalizePlace)
    .filter((p) => p.length > 0)
  if (parts.length === 0) return null
  return (city, country) => {
    const names = [city, country].filter((n): n is string => !!n).map(normalizePlace)
    return names.length > 0 && parts.every((p) => names.includes(p))
  }
}
