import { describe, expect, it } from 'vitest'
import { planScan } from '../../../src/engine/scan/plan.js'
import type { IndexState } from '../../../src/engine/store/photo-store.js'
import type { FoundFile } from '../../../src/engine/scan/walk.js'

const MODEL = 'pack@1'
const row = (p: string, over: Partial<IndexState> = {}): IndexState => ({
  id: `id-${p}`,
  path: p,
  root: '/r',
  size: 100,
  mtimeMs: 1000,
  hash: `h-${p}`,
  status: 'ok',
  errorCode: null,
  featureModel: MODEL,
  headVersion: 'h1',
  ...over,
})
const file = (p: string, over: Partial<FoundFile> = {}): FoundFile => ({
  path: p,
  root: '/r',
  size: 100,
  mtimeMs: 1000,
  ...over,
})

describe('planScan', () => {
  it('leaves files with the same size and mtime alone', () => {
    const plan = planScan([row('/r/a.jpg'), row('/r/b.jpg')], [file('/r/a.jpg'), file('/r/b.jpg')], MODEL)
    expect(plan.unchanged.map((r) => r.path)).toEqual(['/r/a.jpg', '/r/b.jpg'])
    expect(plan.changed).toEqual([])
    expect(plan.fresh).toEqual([])
    expect(plan.missing).toEqual([])
  })

  it('re-checks a file whose size or mtime changed', () => {
    const plan = planScan(
      [row('/r/a.jpg'), row('/r/b.jpg')],
      [file('/r/a.jpg', { size: 101 }), file('/r/b.jpg', { mtimeMs: 2000 })],
      MODEL,
    )
    expect(plan.changed.map((c) => c.file.path)).toEqual(['/r/a.jpg', '/r/b.jpg'])
    expect(plan.unchanged).toEqual([])
  })

  it('reports unknown paths as fresh and vanished ones as missing (a rename is both)', () => {
    const plan = planScan([row('/r/old.jpg')], [file('/r/new.jpg')], MODEL)
    expect(plan.fresh.map((f) => f.path)).toEqual(['/r/new.jpg'])
    expect(plan.missing.map((r) => r.path)).toEqual(['/r/old.jpg'])
  })

  it('re-embeds unchanged photos stored without a feature of the current model', () => {
    const plan = planScan(
      [
        row('/r/pending.jpg', { featureModel: null }),
        row('/r/old-model.jpg', { featureModel: 'other@1' }),
        row('/r/ok.jpg'),
      ],
      [file('/r/pending.jpg'), file('/r/old-model.jpg'), file('/r/ok.jpg')],
      MODEL,
    )
    expect(plan.reembed.map((r) => r.row.path)).toEqual(['/r/pending.jpg', '/r/old-model.jpg'])
    expect(plan.unchanged.map((r) => r.path)).toEqual(['/r/ok.jpg'])
  })

  it('does not re-embed when no model is available', () => {
    const plan = planScan([row('/r/pending.jpg', { featureModel: null })], [file('/r/pending.jpg')], null)
    expect(plan.reembed).toEqual([])
    expect(plan.unchanged).toHaveLength(1)
  })

  it('does not retry a broken file that did not change, but retries one that could not be read', () => {
    const plan = planScan(
      [
        row('/r/broken.jpg', { status: 'failed', errorCode: 'corrupt' }),
        row('/r/locked.jpg', { status: 'failed', errorCode: 'unreadable' }),
      ],
      [file('/r/broken.jpg'), file('/r/locked.jpg')],
      MODEL,
    )
    expect(plan.unchanged.map((r) => r.path)).toEqual(['/r/broken.jpg'])
    expect(plan.changed.map((c) => c.file.path)).toEqual(['/r/locked.jpg'])
  })

  it('treats a file that cannot be stat-ed as changed, so its problem is recorded', () => {
    const plan = planScan([row('/r/a.jpg')], [file('/r/a.jpg', { statError: 'gone' })], MODEL)
    expect(plan.changed).toHaveLength(1)
  })
})

describe('planScan with trashed photos', () => {
  it('keeps a trashed photo whose file is gone, and re-checks it when it comes back', () => {
    const trashed = row('/r/t.jpg', { status: 'trashed' })
    expect(planScan([trashed], [], MODEL).missing).toEqual([])
    const back = planScan([trashed], [file('/r/t.jpg')], MODEL)
    expect(back.changed.map((c) => c.row.id)).toEqual([trashed.id])
  })
})
