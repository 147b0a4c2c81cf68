import type { ProviderName } from '../../../../shared/contract'

export { formatBytes } from '../../../../shared/format-bytes'

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
