import type { Floats } from './products.js'

export interface AdamOptions {
  beta1?: number
  beta2?: number
  epsilon?: number
  /**
   * Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): each step also shrinks a parameter by
   * lr·weightDecay·p, independent of its gradient's scale. 0 turns it off.
   */
  weightDecay?: number
}

/**
 * Adam (Kingma & Ba 2015) with bias correction, over a fixed list of parameter arrays:
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ)
 *   p ← p − lr·(m̂/(√v̂ + ε) + weightDecay·p)
 * Moments are float64, so the update does not depend on the parameters' precision.
 */
export class Adam {
  private readonly m: Float64Array[]
  private readonly v: Float64Array[]
  private t = 0
  readonly beta1: number
  readonly beta2: number
  readonly epsilon: number

  /**
   * `decay[i]` says whether parameter i gets weight decay (default: all of them, when it is on);
   * `lrScale[i]` multiplies the learning rate of parameter i (default 1).
   */
  constructor(
    sizes: readonly number[],
    private readonly options: AdamOptions = {},
    private readonly decay: readonly boolean[] = sizes.map(() => true),
    private readonly lrScale: readonly number[] = sizes.map(() => 1),
  ) {
    this.beta1 = options.beta1 ?? 0.9
    this.beta2 = options.beta2 ?? 0.999
    this.epsilon = options.epsilon ?? 1e-8
    this.m = sizes.map((n) => new Float64Array(n))
    this.v = sizes.map((n) => new Float64Array(n))
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.t
  }

  /** One update of every parameter, in place, with learning rate `lr`. */
  step(params: readonly Floats[], grads: readonly Floats[], lr: number): void {
    if (params.length !== this.m.length || grads.length !== this.m.length)
      throw new Error(`Adam: expected ${this.m.length} parameters and gradients.`)
    this.t++
    const { beta1: b1, beta2: b2, epsilon: eps } = this
    const c1 = 1 - b1 ** this.t
    const c2 = 1 - b2 ** this.t
    const wd = this.options.weightDecay ?? 0
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!
      const g = grads[i]!
      const m = this.m[i]!
      const v = this.v[i]!
      if (p.length !== m.length || g.length !== m.length)
        throw new Error(`Adam: parameter ${i} has ${p.length} values, expected ${m.length}.`)
      // p − lr·(m/c1)/(√(v/c2) + ε) − lr·wd·p, with the constants hoisted out of the loop.
      const rate = lr * (this.lrScale[i] ?? 1)
      const stepSize = rate / c1
      const invRootC2 = 1 / Math.sqrt(c2)
      const shrink = 1 - rate * (this.decay[i] ? wd : 0)
      for (let j = 0; j < p.length; j++) {
        const gj = g[j]!
        const mj = b1 * m[j]! + (1 - b1) * gj
        const vj = b2 * v[j]! + (1 - b2) * gj * gj
        m[j] = mj
        v[j] = vj
        p[j] = shrink * p[j]! - (stepSize * mj) / (Math.sqrt(vj) * invRootC2 + eps)
      }
    }
  }
}
