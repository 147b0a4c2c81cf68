/**
 * Multi-select as in a file manager: click selects one, ctrl/cmd-click toggles, shift-click selects the
 * range from the anchor (the last plain or ctrl click) in the order shown, shift+ctrl adds that range.
 */
export interface SelectionState {
  selected: Set<string>
  anchor: string | null
}

export interface ClickModifiers {
  shift: boolean
  /** Ctrl on Windows/Linux, Cmd on macOS. */
  toggle: boolean
}

export function clickSelect(
  state: SelectionState,
  order: readonly string[],
  id: string,
  mods: ClickModifiers,
): SelectionState {
  if (mods.shift && state.anchor !== null) {
    const a = order.indexOf(state.anchor)
    const b = order.indexOf(id)
    if (a >= 0 && b >= 0) {
      const range = order.slice(Math.min(a, b), Math.max(a, b) + 1)
      const selected = mods.toggle ? new Set(state.selected) : new Set<string>()
      for (const r of range) selected.add(r)
      return { selected, anchor: state.anchor }
    }
  }
  if (mods.toggle) {
    const selected = new Set(state.selected)
    if (selected.has(id)) selected.delete(id)
    else selected.add(id)
    return { selected, anchor: id }
  }
  return { selected: new Set([id]), anchor: id }
}
