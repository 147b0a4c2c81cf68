/**
 * Panning and zooming a map drawn on a canvas, shared by Explore (the similarity map) and Places (the world
 * map). A press that moves fewer than `threshold` pixels stays a click; further, it pans (or, for a press
 * that does not pan, is left to the view: Explore's selection band). The wheel zooms about the pointer;
 * + / − zoom about the centre, 0 shows everything, and the arrow keys pan when asked for (never while
 * typing in a field or with the viewer open). Drawing is batched into one frame; the map is measured again
 * when its box changes size, and drawn again when the colour scheme changes.
 *
 * Each view keeps its own camera (`offset`, `panTo`, `zoom`, `fit`): what differs between the two maps.
 */
import { onBeforeUnmount, onMounted, type Ref } from 'vue'

export interface PanZoomOptions {
  /** The box whose size changes call `resize`. */
  box: Ref<HTMLElement | null>
  /** The canvas: pointer positions are measured from its corner; it holds the pointer during a drag and takes the wheel. */
  canvas: Ref<HTMLCanvasElement | null>
  /** Pixels a press must move before it becomes a drag (less is a click). */
  threshold: number
  /** Keyboard: + / − zoom by `factor` (the keys of `zoomIn` / `zoomOut`); `pan`, pixels an arrow key pans. */
  keys: { factor: number; zoomIn: string[]; zoomOut: string[]; pan?: number }
  /** Pixels one line of wheel scrolling counts for (deltaMode 1); without it, deltaY counts as it is. */
  wheelLine?: number
  /** The keys are someone else's (the photo viewer is open). */
  inactive(): boolean
  /** The screen position of the world origin. */
  offset(): { tx: number; ty: number }
  /** Moves the world origin to (tx, ty) on screen. */
  panTo(tx: number, ty: number): void
  /** Zooms by `factor` about the screen point (x, y); without one, about the centre. */
  zoom(factor: number, x?: number, y?: number): void
  /** Shows everything. */
  fit(): void
  /** Measures the box and the canvas again. */
  resize(): void
  /** Draws the map now (`redraw` calls it at most once a frame). */
  draw(): void
}

export interface Drag {
  /** Where the press was, in canvas pixels. */
  x: number
  y: number
  /** The world origin on screen at the press. */
  tx: number
  ty: number
  /** Moving pans (else the view follows the pointer itself). */
  pan: boolean
  /** It went past the threshold: not a click. */
  moved: boolean
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  return (
    !!el &&
    (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
  )
}

const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [1, 0],
  ArrowRight: [-1, 0],
  ArrowUp: [0, 1],
  ArrowDown: [0, -1],
}

export function usePanZoom(o: PanZoomOptions) {
  let frame = 0
  let drag: Drag | null = null

  function redraw() {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      o.draw()
    })
  }

  function local(event: MouseEvent): [number, number] {
    const rect = o.canvas.value!.getBoundingClientRect()
    return [event.clientX - rect.left, event.clientY - rect.top]
  }

  /** A press of the main button starts a drag (which pans when `pan`); false for other buttons. */
  function press(event: PointerEvent, pan = true): boolean {
    if (event.button !== 0) return false
    const [x, y] = local(event)
    o.canvas.value?.setPointerCapture(event.pointerId)
    const { tx, ty } = o.offset()
    drag = { x, y, tx, ty, pan, moved: false }
    return true
  }

  /** The drag under way (after panning, once past the threshold), or null when no press is held. */
  function move(event: PointerEvent): Drag | null {
    const d = drag
    if (!d) return null
    const [x, y] = local(event)
    if (!d.moved && Math.hypot(x - d.x, y - d.y) < o.threshold) return d
    d.moved = true
    if (d.pan) {
      o.panTo(d.tx + x - d.x, d.ty + y - d.y)
      redraw()
    }
    return d
  }

  /** Ends the drag and returns it (null when none was under way). */
  function release(): Drag | null {
    const d = drag
    drag = null
    return d
  }

  function dragging(): boolean {
    return drag !== null
  }

  /** Gives the canvas the pixels of a width × height box on this screen; returns the device pixel ratio. */
  function sizeCanvas(c: HTMLCanvasElement, width: number, height: number): number {
    const dpr = window.devicePixelRatio || 1
    c.width = Math.round(width * dpr)
    c.height = Math.round(height * dpr)
    return dpr
  }

  function onWheel(event: WheelEvent) {
    event.preventDefault()
    const [x, y] = local(event)
    const delta = o.wheelLine && event.deltaMode === 1 ? event.deltaY * o.wheelLine : event.deltaY
    o.zoom(Math.exp(-delta * 0.0015), x, y)
  }

  function onKey(event: KeyboardEvent) {
    if (o.inactive() || typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return
    const { factor, zoomIn, zoomOut, pan } = o.keys
    const arrow = pan ? ARROWS[event.key] : undefined
    if (zoomIn.includes(event.key)) o.zoom(factor)
    else if (zoomOut.includes(event.key)) o.zoom(1 / factor)
    else if (event.key === '0') o.fit()
    else if (arrow && pan) {
      const { tx, ty } = o.offset()
      o.panTo(tx + arrow[0] * pan, ty + arrow[1] * pan)
    } else return
    event.preventDefault()
    redraw()
  }

  let observer: ResizeObserver | null = null
  const media = window.matchMedia('(prefers-color-scheme: dark)')

  onMounted(() => {
    observer = new ResizeObserver(o.resize)
    if (o.box.value) observer.observe(o.box.value)
    o.canvas.value?.addEventListener('wheel', onWheel, { passive: false })
    window.addEventListener('keydown', onKey)
    media.addEventListener('change', redraw)
    o.resize()
  })

  onBeforeUnmount(() => {
    observer?.disconnect()
    o.canvas.value?.removeEventListener('wheel', onWheel)
    window.removeEventListener('keydown', onKey)
    media.removeEventListener('change', redraw)
    if (frame) cancelAnimationFrame(frame)
  })

  return { redraw, local, press, move, release, dragging, sizeCanvas }
}
