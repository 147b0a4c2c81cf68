/** The app and the library's settings (a new model re-indexes; training and watching follow their settings). */
import type { Results } from '../../shared/contract.js'
import type { DomainHandlers, HostContext } from './context.js'

export function settingsHandlers({
  engine,
  options,
  indexing,
  continuous,
}: HostContext): DomainHandlers<'settings' | 'app'> {
  const view = (): Results['settings.get'] => {
    const s = engine.settings
    return {
      library: engine.layout.dir,
      roots: s.roots,
      model: s.model,
      providers: s.providers,
      lastProvider: s.lastProvider,
      continuousTraining: s.continuousTraining,
      autoAcceptImprovements: s.autoAcceptImprovements,
      polling: s.polling,
    }
  }

  return {
    'app.info': async () => ({
      version: process.env.npm_package_version ?? '0.1.0',
      mode: options.mode,
      library: engine.layout.dir,
      native: options.native ?? { pickFolder: false, showInFolder: false },
    }),
    'settings.get': async () => view(),
    'settings.update': async (patch) => {
      const { model, providers, ...rest } = patch
      if (providers !== undefined) await engine.setProviders(providers)
      if (model !== undefined && model !== engine.settings.model) {
        await engine.useModel(model)
        indexing.start()
      }
      if (Object.keys(rest).length > 0) await engine.updateSettings(rest)
      if (rest.continuousTraining !== undefined || rest.autoAcceptImprovements !== undefined) {
        await continuous.restart()
      }
      if (rest.polling !== undefined) await indexing.restartWatcher()
      return view()
    },
  }
}
