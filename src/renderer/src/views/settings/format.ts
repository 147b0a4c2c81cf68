import type { ProviderName } from '../../../../shared/contract'

/** "3.7 MB", "605 MB", "1.2 GB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`
  if (bytes >= 1e8) return `${Math.round(bytes / 1e6)} MB`
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${Math.max(1, Math.round(bytes / 1e3))} KB`
}

const PROVIDER_LABELS: Record<ProviderName, string> = {
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  cpu: 'CPU',
}

export function providerLabel(provider: ProviderName): string {
  return PROVIDER_LABELS[provider]
}

export const PROVIDER_PRESETS: Array<{ id: string; label: string; providers: ProviderName[] }> = [
  {
    id: 'auto',
    label: 'Automatic: fastest available (CUDA → DirectML → CoreML → CPU)',
    providers: ['cuda', 'dml', 'coreml', 'cpu'],
  },
  { id: 'cpu', label: 'CPU only', providers: ['cpu'] },
]

export function presetOf(providers: readonly ProviderName[]): string {
  const preset = PROVIDER_PRESETS.find(
    (p) => p.providers.length === providers.length && p.providers.every((x, i) => x === providers[i]),
  )
  return preset?.id ?? 'custom'
}
