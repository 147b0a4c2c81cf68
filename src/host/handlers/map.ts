/** The similarity map (a `map` job: callers while it runs share it) and the automatic groups it colours by. */
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { readJsonIfExists, writeFileAtomic } from '../../engine/library/atomic-file.js'
import type { Results } from '../../shared/contract.js'
import type { JobContext, JobEvent } from '../jobs/job-runner.js'
import { computeMapLayout } from '../map-layout.js'
import type { DomainHandlers, HostContext } from './context.js'

export const MAP_JOB = 'map'

type MapLayout = Results['map.layout']

export function mapHandlers({ engine, events, jobs, caches }: HostContext): DomainHandlers<'map' | 'groups'> {
  /**
   * The layout of every embedded photo, cached on disk under a key of the active head and the photo ids:
   * the same embeddings give the same map without computing it again.
   */
  const layout = async ({ progress }: JobContext<number>): Promise<MapLayout> => {
    const rows = await engine.store.query(`status = 'ok' AND embedding IS NOT NULL`, ['id', 'embedding'])
    rows.sort((a, b) => a.id.localeCompare(b.id))
    const key = createHash('sha256')
      .update(`${engine.settings.activeHead}\n${rows.map((r) => r.id).join('\n')}`)
      .digest('hex')
    const cacheFile = path.join(engine.layout.dir, 'cache', 'map-layout.json')
    const groups = await caches.groups()
    const groupOf = new Map<string, string>()
    for (const g of groups.groups) for (const id of g.photos) groupOf.set(id, g.id)
    const cached = (await readJsonIfExists(cacheFile).catch(() => undefined)) as
      { key: string; ids: string[]; xy: number[] } | undefined
    let xy: number[]
    if (cached?.key === key) {
      xy = cached.xy
    } else {
      const dim = rows[0]?.embedding?.length ?? 0
      const vectors = new Float32Array(rows.length * dim)
      rows.forEach((r, i) => vectors.set(r.embedding!, i * dim))
      progress(0)
      const computed = await computeMapLayout({ vectors, count: rows.length, dim }, { onProgress: progress })
      xy = Array.from(computed, (v) => Math.round(v * 1e5) / 1e5)
      await fs.mkdir(path.dirname(cacheFile), { recursive: true })
      await writeFileAtomic(cacheFile, JSON.stringify({ key, ids: rows.map((r) => r.id), xy }))
    }
    return { ids: rows.map((r) => r.id), xy, group: rows.map((r) => groupOf.get(r.id) ?? '') }
  }

  /** The map job's changes as the interface's `map` events. */
  const report = ({ type, job }: JobEvent<MapLayout, number>): void => {
    if (type === 'progress' && job.progress !== null) {
      events.emit({ type: 'map', phase: 'running', progress: job.progress })
    } else if (job.status === 'done') {
      events.emit({ type: 'map', phase: 'done', progress: 1 })
    } else if (job.status === 'failed' || job.status === 'cancelled') {
      events.emit({ type: 'map', phase: 'failed', progress: 0, error: job.reason ?? 'Stopped.' })
    }
  }

  return {
    'map.layout': () => jobs.start(MAP_JOB, layout, { onEvent: report }).job.result,
    'groups.list': async () => {
      const { groups, ungrouped } = await caches.groups()
      return {
        groups: groups.map((g) => ({
          id: g.id,
          name: g.name,
          cover: g.cover,
          photos: g.photos,
          from: g.from,
          to: g.to,
        })),
        ungrouped,
      }
    },
  }
}
