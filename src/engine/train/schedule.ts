export interface ScheduleOptions {
  /** The learning rate at the end of the warm-up. */
  peak: number
  /** Steps of linear warm-up (from peak/warmupSteps at step 0 up to peak). */
  warmupSteps: number
  /** All steps of training; the rate decays linearly to `floor`·peak at the last one. */
  totalSteps: number
  /** Fraction of the peak reached at the end (default 0). */
  floor?: number
}

/**
 * Linear warm-up then linear decay: the learning rate of step t (0-based) is
 *   peak·(t + 1)/warmupSteps                                           for t < warmupSteps
 *   peak·(floor + (1 − floor)·(totalSteps − 1 − t)/(totalSteps − 1 − warmupSteps))   afterwards,
 * so step warmupSteps − 1 and step warmupSteps both run at the peak and the last step at floor·peak.
 */
export function warmupLinearDecay(options: ScheduleOptions): (step: number) => number {
  const { peak, totalSteps } = options
  const floor = options.floor ?? 0
  const warmup = Math.max(0, Math.min(Math.floor(options.warmupSteps), totalSteps))
  if (!(peak > 0) || !Number.isFinite(peak))
    throw new Error(`The learning rate must be positive, got ${peak}.`)
  if (!Number.isInteger(totalSteps) || totalSteps < 1)
    throw new Error(`Training needs at least one step, got ${totalSteps}.`)
  if (floor < 0 || floor > 1)
    throw new Error(`The final learning-rate fraction must be in [0, 1], got ${floor}.`)
  const decaySteps = totalSteps - 1 - warmup
  return (step) => {
    if (step < warmup) return (peak * (step + 1)) / warmup
    if (decaySteps <= 0) return peak
    const left = Math.max(0, totalSteps - 1 - step) / decaySteps
    return peak * (floor + (1 - floor) * left)
  }
}
