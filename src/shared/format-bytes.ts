/**
 * The one way Tessera writes a file size, in the interface and the CLI alike: decimal units (1 kB =
 * 1,000 bytes), as macOS and GNOME file managers show sizes. "840 B", "88.5 kB", "12.3 MB", "605 MB".
 */
const UNITS = ['kB', 'MB', 'GB', 'TB']

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1000) return `${Math.max(0, Math.round(bytes || 0))} B`
  let value = bytes
  let unit = -1
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(value >= 99.95 ? 0 : 1)} ${UNITS[unit]}`
}
