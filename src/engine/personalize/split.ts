/**
 * Deterministic train / held-out split of labelled photos, class by class: within each class (members in
 * a stable order), photos are spread evenly, so a fraction of 0.5 alternates train, held-out, train, …
 * starting with train. A photo in several classes is held out if any of its classes holds it out, so the
 * head never sees a held-out photo.
 */
export function splitByClass(
  members: ReadonlyMap<string, readonly string[]>,
  trainFraction: number,
): { train: Set<string>; heldOut: Set<string> } {
  if (!(trainFraction > 0 && trainFraction < 1))
    throw new Error(`The train split must be between 0 and 1 (exclusive), got ${trainFraction}.`)
  const train = new Set<string>()
  const heldOut = new Set<string>()
  const f = trainFraction
  for (const ids of members.values()) {
    ids.forEach((id, i) => {
      const isTrain = Math.floor((i + 1) * f + 1 - f + 1e-9) - Math.floor(i * f + 1 - f + 1e-9) === 1
      ;(isTrain ? train : heldOut).add(id)
    })
  }
  for (const id of heldOut) train.delete(id)
  return { train, heldOut }
}
