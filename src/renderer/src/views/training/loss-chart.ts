/**
 * The live loss curve: losses per epoch scaled into an SVG box. The x axis spans every planned epoch,
 * so the line grows left to right as training runs; the y axis spans 0 to a rounded-up maximum.
 */
export interface ChartBox {
  width: number
  height: number
  /** Space kept for axis labels: left, right, top, bottom. */
  pad?: { left: number; right: number; top: number; bottom: number }
}

export interface LossChart {
  /** The `points` attribute of an SVG polyline ('' for no data). */
  points: string
  /** The top of the y axis (the bottom is 0). */
  yMax: number
  /** Tick values for the y axis, 0 first. */
  yTicks: Array<{ value: number; y: number }>
  /** Where the x axis starts and ends (epoch 1 and the last epoch). */
  x0: number
  x1: number
  y0: number
  y1: number
}

const DEFAULT_PAD = { left: 40, right: 10, top: 10, bottom: 24 }

/** A "nice" number ≥ value: 1, 2 or 5 times a power of ten. */
export function niceCeil(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (value <= step * power * (1 + 1e-9)) return step * power
  return 10 * power
}

/**
 * A y-axis tick as text, with the digits that tell the ticks apart: they are 0, ½ and 1 times a nice
 * maximum (1, 2 or 5 × 10ⁿ), so two significant digits always suffice ("0.0025", "2.5", "50"). Fixed
 * decimals showed "0.00" on every tick of a loss that stayed below 0.005.
 */
export function tickLabel(value: number): string {
  return String(Number(value.toPrecision(2)))
}

function round(v: number): number {
  return Math.round(v * 10) / 10
}

export function lossChart(losses: readonly number[], epochs: number, box: ChartBox): LossChart {
  const pad = box.pad ?? DEFAULT_PAD
  const x0 = pad.left
  const x1 = box.width - pad.right
  const y0 = box.height - pad.bottom
  const y1 = pad.top
  const finite = losses.filter((l) => Number.isFinite(l))
  const yMax = niceCeil(Math.max(0, ...finite))
  const span = Math.max(epochs, losses.length, 2) - 1
  const points = losses
    .map((loss, i) => {
      if (!Number.isFinite(loss)) return null
      const x = x0 + ((x1 - x0) * i) / span
      const y = y0 - ((y0 - y1) * Math.min(Math.max(loss, 0), yMax)) / yMax
      return `${round(x)},${round(y)}`
    })
    .filter((p): p is string => p !== null)
    .join(' ')
  const yTicks = [0, 0.5, 1].map((f) => ({ value: yMax * f, y: round(y0 - (y0 - y1) * f) }))
  return { points, yMax, yTicks, x0, x1, y0, y1 }
}
