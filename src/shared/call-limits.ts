/**
 * How large a call may be, per method: the WebSocket server checks a frame's bytes, main's IPC handler the
 * arguments' size ({@link payloadBytes}), before either parses or validates them. Pure TypeScript.
 */
import type { MethodName } from './contract.js'

/** The largest call each method accepts, in bytes; the others: {@link DEFAULT_CALL_BYTES}. */
export const CALL_BYTES: Readonly<Partial<Record<MethodName, number>>> = {
  'search.image': 81 * 1024 * 1024,
  'albums.import': 51 * 1024 * 1024,
  // up to 1,000,000 photo ids of 36 characters (with quotes and commas)
  'trash.photos': 40 * 1024 * 1024,
  'albums.add': 40 * 1024 * 1024,
  'albums.remove': 40 * 1024 * 1024,
  'roots.add': 2 * 1024 * 1024,
}

export const DEFAULT_CALL_BYTES = 64 * 1024

/** The size limit of a method's calls (an unknown method gets the default; it is refused later). */
export function callByteLimit(method: string): number {
  return Object.hasOwn(CALL_BYTES, method) ? CALL_BYTES[method as MethodName]! : DEFAULT_CALL_BYTES
}

/**
 * About how many bytes a value takes as JSON (strings count 1 a character, plus their quotes), without
 * copying it; stops counting once `cap` is passed.
 */
export function payloadBytes(value: unknown, cap = Number.MAX_SAFE_INTEGER): number {
  let total = 0
  const stack: unknown[] = [value]
  while (stack.length > 0 && total <= cap) {
    const v = stack.pop()
    if (typeof v === 'string') total += v.length + 2
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) total += 8
    else if (Array.isArray(v)) {
      total += 2 + v.length
      if (total > cap) break
      for (const item of v) stack.push(item)
    } else if (ArrayBuffer.isView(v)) total += v.byteLength
    else if (typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        total += key.length + 4
        stack.push(item)
      }
    } else total += 8
  }
  return total
}
