// Child process: full indexing of a folder into a fresh library with the default model, or an
// unchanged rescan of an existing one. The model pack is installed and its session opened before the
// clock starts, so the figure is the indexing throughput, not start-up. Prints one JSON line.
import { Engine } from '../../src/engine/engine.js'

const [folder, library, mode = 'index'] = process.argv.slice(2)
const engine = await Engine.open({ libraryDir: library!, onProgress: () => {} })
const ex = await engine.featureExtractor()
if (!ex.ok) throw new Error(ex.reason)
const cpu0 = process.cpuUsage()
const started = performance.now()
const summary = mode === 'rescan' ? await engine.index() : await engine.index([folder!])
const seconds = (performance.now() - started) / 1000
await engine.close()
const n = summary.indexed + summary.unchanged
process.stdout.write(
  JSON.stringify({
    photos: n,
    indexed: summary.indexed,
    unchanged: summary.unchanged,
    decoded: summary.decoded,
    failed: summary.failed.length,
    seconds,
    photosPerSecond: summary.indexed / seconds,
    provider: summary.provider,
    cpuMsPerPhoto: cpuMs(cpu0) / Math.max(1, summary.indexed),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
)

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1000
}
