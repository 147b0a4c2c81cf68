import type { ProgressEvent } from '../engine/ports.js'
import { formatBytes } from '../shared/format-bytes'

/**
 * Progress on stderr (stdout is kept for results, so `--json` output stays parseable): a redrawn line on a
 * terminal, an occasional plain line otherwise (logs, CI).
 */
export class ProgressPrinter {
  private lastLine = 0
  private started = performance.now()
  private drawn = false

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  private write(line: string, final = false): void {
    if (this.quiet) return
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`)
      this.drawn = !final
    } else {
      const now = performance.now()
      if (!final && now - this.lastLine < 5000) return
      this.lastLine = now
      this.stream.write(`${line}\n`)
    }
  }

  event = (e: ProgressEvent): void => {
    if (e.phase === 'index') {
      const secs = (performance.now() - this.started) / 1000
      const rate = secs > 0 ? (e.done / secs).toFixed(1) : '0'
      this.write(`Indexing ${e.done}/${e.total} (${rate} photos/s)`, e.total > 0 && e.done === e.total)
    } else if (e.phase === 'download') {
      if (e.message) this.write(e.message)
      this.bytes(e.done, e.total)
    } else if (e.message) this.write(e.message)
  }

  bytes = (done: number, total: number): void => {
    if (total > 0) {
      const width = 30
      const filled = Math.round((done / total) * width)
      this.write(
        `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${formatBytes(done)}/${formatBytes(total)}`,
        done >= total,
      )
    } else this.write(formatBytes(done))
  }

  end(): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\n')
    this.drawn = false
  }
}
