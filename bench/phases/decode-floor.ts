// Child process: the decode-only floor. Reads each file and resizes it to the model input with sharp,
// nothing else; the same concurrency as the indexer's decoders. Prints one JSON line.
import fs from 'node:fs/promises'
import { decodeModelInputOnly } from '../../src/engine/decode/index.js'

const [listFile, concurrency = '3'] = process.argv.slice(2)
const files = JSON.parse(await fs.readFile(listFile!, 'utf8')) as string[]
const cpu0 = process.cpuUsage()
const started = performance.now()
await mapLimit(files, Number(concurrency), async (f) => decodeModelInputOnly(await fs.readFile(f), 224))
const seconds = (performance.now() - started) / 1000
process.stdout.write(
  JSON.stringify({
    photos: files.length,
    seconds,
    cpuMsPerPhoto: cpuMs(cpu0) / files.length,
    photosPerSecond: files.length / seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
)

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1000
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  })
  await Promise.all(workers)
  return out
}
