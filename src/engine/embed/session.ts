/**
 * Creates an onnxruntime session on the first execution provider that works, in the caller's order, with
 * CPU always last. Every provider gets a plain-language line saying why it was or was not used, which the
 * doctor report and the settings screen show as they are.
 */
import os from 'node:os'
import { env, InferenceSession } from 'onnxruntime-node'
import type { ProviderAttempt, ProviderName } from '../types.js'

export interface CreateSessionOptions {
  /** Providers to try, best first. CPU is appended when missing. */
  preference: readonly ProviderName[]
  /** Intra-op threads. Default: the CPUs this process may use, at most 8. */
  threads?: number
  /** For tests; defaults to the running platform. */
  platform?: NodeJS.Platform
}

export interface CreatedSession {
  session: InferenceSession
  provider: ProviderName
  attempts: ProviderAttempt[]
}

/** No provider, not even CPU, could load the model. */
export class SessionError extends Error {
  override readonly name = 'SessionError'
  constructor(
    message: string,
    readonly attempts: ProviderAttempt[],
  ) {
    super(message)
  }
}

const ALL_PROVIDERS: readonly ProviderName[] = ['cuda', 'dml', 'coreml', 'cpu']

// Providers that exist in onnxruntime-node only on one OS: said plainly instead of onnxruntime's
// "backend not found".
const PLATFORM_ONLY: Partial<Record<ProviderName, { platform: NodeJS.Platform; reason: string }>> = {
  dml: { platform: 'win32', reason: 'DirectML is only available on Windows' },
  coreml: { platform: 'darwin', reason: 'CoreML is only available on macOS' },
}

// onnxruntime's own default is one thread per physical core: on a 2-vCPU machine that was 1 thread and
// MobileNet took 29 ms/photo instead of 16 ms with 2. Past 8, small models gain little.
function defaultThreads(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()))
}

function errorText(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).trim()
  return text || 'unknown error'
}

/** Session options for one provider: the same in the probing session and in the inference worker. */
export function sessionOptions(provider: ProviderName, threads?: number): InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads ?? defaultThreads(),
    // A GPU provider that fails to load makes onnxruntime print native error lines on stderr; the error
    // is still thrown, and recorded as the reason, so only the noise is silenced (4 = fatal only).
    logSeverityLevel: provider === 'cpu' ? 2 : 4,
    // Idle intra-op threads busy-wait by default; while indexing, inference runs between decodes and
    // that spinning steals the cores libvips is decoding on.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }
}

// onnxruntime's process-wide logger prints native error lines when a GPU provider fails to load; the
// failure is still thrown and recorded as the attempt's reason, so the console noise is turned off.
env.logLevel = 'fatal'

export async function createSession(
  model: string | Uint8Array,
  opts: CreateSessionOptions,
): Promise<CreatedSession> {
  const { session, provider, attempts } = await probeProviders(model, opts, true)
  return { session: session!, provider, attempts }
}

export interface ProviderChoice {
  provider: ProviderName
  attempts: ProviderAttempt[]
  /** The probing session of a GPU provider that worked; null when the choice is the CPU (not probed). */
  session: InferenceSession | null
}

/**
 * The provider fallback of createSession without a session for the CPU: the CPU provider is part of
 * onnxruntime itself, so the caller creates its one session where it will run (a worker), instead of a
 * probing one here first. GPU providers are still probed: only trying one says whether its libraries load.
 * If the caller's CPU session then fails, {@link cpuFailure} gives the SessionError createSession would have.
 */
export function chooseProvider(
  model: string | Uint8Array,
  opts: CreateSessionOptions,
): Promise<ProviderChoice> {
  return probeProviders(model, opts, false)
}

/** The SessionError for a CPU session that could not be created after {@link chooseProvider} chose the CPU. */
export function cpuFailure(model: string | Uint8Array, choice: ProviderChoice, err: unknown): SessionError {
  const reason = errorText(err)
  const attempts = choice.attempts.map((a) =>
    a.provider === 'cpu' ? { provider: a.provider, ok: false, reason } : a,
  )
  const where = typeof model === 'string' ? model : 'the model'
  return new SessionError(`Cannot load ${where}: ${reason}`, attempts)
}

async function probeProviders(
  model: string | Uint8Array,
  opts: CreateSessionOptions,
  probeCpu: boolean,
): Promise<ProviderChoice> {
  const platform = opts.platform ?? process.platform
  const order = [...new Set<ProviderName>([...opts.preference.filter((p) => p !== 'cpu'), 'cpu'])]
  const attempts: ProviderAttempt[] = []
  let chosen: ProviderChoice | undefined

  for (const provider of order) {
    if (chosen) {
      attempts.push({ provider, ok: false, reason: `not needed: ${chosen.provider} was used` })
      continue
    }
    const only = PLATFORM_ONLY[provider]
    if (only && platform !== only.platform) {
      attempts.push({ provider, ok: false, reason: only.reason })
      continue
    }
    if (provider === 'cpu' && !probeCpu) {
      attempts.push({ provider, ok: true, reason: 'used' })
      chosen = { session: null, provider, attempts }
      continue
    }
    const options = sessionOptions(provider, opts.threads)
    try {
      const session =
        typeof model === 'string'
          ? await InferenceSession.create(model, options)
          : await InferenceSession.create(model, options)
      attempts.push({ provider, ok: true, reason: 'used' })
      chosen = { session, provider, attempts }
    } catch (err) {
      attempts.push({ provider, ok: false, reason: errorText(err) })
    }
  }
  for (const provider of ALL_PROVIDERS) {
    if (!order.includes(provider)) attempts.push({ provider, ok: false, reason: 'not requested' })
  }
  if (chosen) return chosen
  const where = typeof model === 'string' ? model : 'the model'
  const cpu = attempts.find((a) => a.provider === 'cpu')
  throw new SessionError(`Cannot load ${where}: ${cpu?.reason ?? 'no execution provider worked'}`, attempts)
}
