import { z } from 'zod'
import { readJsonIfExists, writeFileAtomic } from './atomic-file.js'

const providerName = z.enum(['cuda', 'dml', 'coreml', 'cpu'])

/** `library.json`: the small, human-readable state of a library. Vectors and metadata live in LanceDB. */
export const settingsSchema = z.object({
  version: z.literal(1),
  roots: z.array(z.string()),
  /** The pack used for embeddings. */
  model: z.string(),
  providers: z.array(providerName),
  /** Poll the file system instead of native events (network shares). */
  polling: z.boolean(),
  /** Continuous mode: retrain the head in the background when the albums change. */
  continuousTraining: z.boolean(),
  /** In continuous mode, switch to a retrained head by itself when it scores better on held-out photos. */
  autoAcceptImprovements: z.boolean(),
  /** The head whose embeddings the library uses; null until the first one is fitted. */
  activeHead: z.string().nullable(),
  /** The provider that actually ran last time, and why the others did not. */
  lastProvider: z
    .object({
      provider: providerName,
      attempts: z.array(z.object({ provider: providerName, ok: z.boolean(), reason: z.string() })),
      at: z.string(),
    })
    .nullable(),
})

export type LibrarySettings = z.infer<typeof settingsSchema>

export const DEFAULT_MODEL = 'mobilenetv2-12-int8'

export function defaultSettings(): LibrarySettings {
  return {
    version: 1,
    roots: [],
    model: DEFAULT_MODEL,
    providers: ['cuda', 'dml', 'coreml', 'cpu'],
    polling: false,
    continuousTraining: false,
    autoAcceptImprovements: false,
    activeHead: null,
    lastProvider: null,
  }
}

export async function loadSettings(file: string): Promise<LibrarySettings> {
  const raw = await readJsonIfExists(file)
  if (raw === undefined) return defaultSettings()
  const parsed = settingsSchema.safeParse({ ...defaultSettings(), ...(raw as object) })
  if (!parsed.success) {
    throw new Error(`The library settings in ${file} are not valid: ${z.prettifyError(parsed.error)}`)
  }
  return parsed.data
}

export async function saveSettings(file: string, settings: LibrarySettings): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(settingsSchema.parse(settings), null, 2) + '\n')
}
