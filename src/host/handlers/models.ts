/** Model packs: the catalog and custom ones, downloads (a `download:<id>` job each) and imports. */
import { CATALOG } from '../../engine/models/catalog.js'
import { ContractError } from '../../shared/contract.js'
import type { JobEvent } from '../jobs/job-runner.js'
import type { DomainHandlers, HostContext } from './context.js'

interface DownloadProgress {
  done: number
  total: number
}

export function modelsHandlers({ engine, events, jobs }: HostContext): DomainHandlers<'models'> {
  /** A download job's changes as the interface's `download` events. */
  const report =
    (id: string) =>
    ({ type, job }: JobEvent<unknown, DownloadProgress>): void => {
      if (type === 'progress' && job.progress) {
        events.emit({ type: 'download', id, state: { phase: 'running', ...job.progress } })
      } else if (job.status === 'done') {
        events.emit({ type: 'download', id, state: { phase: 'done' } })
      } else if (job.status === 'failed' || job.status === 'cancelled') {
        events.emit({ type: 'download', id, state: { phase: 'failed', error: job.reason ?? 'Stopped.' } })
      }
    }

  return {
    'models.list': async () => {
      const packs = await engine.listModels()
      return packs.map((p) => ({
        id: p.id,
        name: p.title,
        description: p.description,
        installed: p.installed,
        active: p.id === engine.settings.model,
        text: p.text,
        bytes: p.downloadBytes,
        custom: p.custom,
      }))
    },
    'models.download': async (id) => {
      if (!CATALOG.some((c) => c.id === id))
        throw new ContractError(`There is no model pack "${id}".`, 'not-found')
      const { started } = jobs.start<unknown, DownloadProgress>(
        `download:${id}`,
        ({ signal, progress }) =>
          engine.downloadModel(id, (done, total) => progress({ done, total }), signal),
        { onEvent: report(id) },
      )
      return { started }
    },
    'models.import': async (folder) => ({ id: await engine.importModel(folder) }),
  }
}
