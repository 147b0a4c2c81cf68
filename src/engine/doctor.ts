import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import sharp from 'sharp'
import type { Engine } from './engine.js'
import type { ProviderAttempt, ProviderName } from './types.js'

const require = createRequire(import.meta.url)

/** A dependency's version, found from its entry point (some packages do not export package.json). */
function packageVersion(name: string): string {
  try {
    let dir = path.dirname(require.resolve(name))
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, 'package.json')
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
        if (pkg.name === name && pkg.version) return pkg.version
      }
      dir = path.dirname(dir)
    }
  } catch {
    /* not installed */
  }
  return 'unknown'
}

export interface DoctorReport {
  ok: boolean
  platform: string
  node: string
  cpus: number
  versions: Record<string, string>
  library: { dir: string; photos: number; pending: number; failed: number; head: string | null }
  model: { id: string; installed: boolean; problem: string | null }
  providers: {
    preference: ProviderName[]
    /** The provider that actually ran, checked now when the pack is installed, else the last one recorded. */
    active: ProviderName | null
    attempts: ProviderAttempt[]
    checkedAt: string | null
  }
  formats: Record<string, boolean>
}

/** Everything a user (or a bug report) needs to know about this installation, checked for real. */
export async function doctorReport(engine: Engine): Promise<DoctorReport> {
  const status = await engine.status()
  const packs = await engine.listModels()
  const pack = packs.find((p) => p.id === engine.settings.model)
  let problem: string | null = pack ? null : `Unknown model pack "${engine.settings.model}".`
  let active: ProviderName | null = engine.settings.lastProvider?.provider ?? null
  let attempts: ProviderAttempt[] = engine.settings.lastProvider?.attempts ?? []
  let checkedAt = engine.settings.lastProvider?.at ?? null
  if (pack?.installed) {
    const ex = await engine.featureExtractor()
    if (ex.ok) {
      active = ex.extractor.provider
      attempts = ex.extractor.attempts
      checkedAt = new Date().toISOString()
    } else problem = ex.reason
  } else if (pack) {
    problem = `Not installed yet: it is downloaded on first use, or now with \`tessera models download ${pack.id}\`.`
  }
  const fmt = sharp.format
  return {
    ok: problem === null,
    platform: `${process.platform}-${process.arch} (${os.release()})`,
    node: process.version,
    cpus: os.availableParallelism(),
    versions: {
      'onnxruntime-node': packageVersion('onnxruntime-node'),
      sharp: sharp.versions.sharp ?? 'unknown',
      libvips: sharp.versions.vips,
      '@lancedb/lancedb': packageVersion('@lancedb/lancedb'),
      'heic-decode': packageVersion('heic-decode'),
    },
    library: {
      dir: status.library,
      photos: status.photos,
      pending: status.pending,
      failed: status.failed,
      head: status.head,
    },
    model: { id: engine.settings.model, installed: pack?.installed ?? false, problem },
    providers: { preference: engine.providers, active, attempts, checkedAt },
    formats: {
      jpeg: fmt.jpeg.input.buffer,
      png: fmt.png.input.buffer,
      webp: fmt.webp.input.buffer,
      avif: fmt.heif.input.buffer,
      tiff: fmt.tiff.input.buffer,
      gif: fmt.gif.input.buffer,
      heic: packageVersion('heic-decode') !== 'unknown',
    },
  }
}

export function formatDoctor(r: DoctorReport): string {
  const lines = [
    `Tessera doctor: ${r.ok ? 'all good' : 'needs attention'}`,
    `  platform   ${r.platform}, node ${r.node}, ${r.cpus} CPUs`,
    `  versions   ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  library    ${r.library.dir}: ${r.library.photos} photos, ${r.library.pending} pending, ${r.library.failed} with problems`,
    `  model      ${r.model.id} ${r.model.installed ? 'installed' : 'not installed'}${r.model.problem ? ` (${r.model.problem})` : ''}`,
    `  head       ${r.library.head ?? '(none yet)'}`,
    `  provider   ${r.providers.active ?? 'none yet'} (preference: ${r.providers.preference.join(' > ')})`,
  ]
  for (const a of r.providers.attempts) lines.push(`    ${a.ok ? '✓' : '✗'} ${a.provider}: ${a.reason}`)
  lines.push(
    `  formats    ${Object.entries(r.formats)
      .map(([k, v]) => `${k}${v ? '' : ' (missing)'}`)
      .join(', ')}`,
  )
  return lines.join('\n')
}
