/**
 * Figures → Markdown: bench/results/latest.md and the README's generated tables, from the results file
 * alone (pure functions, no I/O), so the text can always be regenerated and checked against it.
 */
import type { Json, ResultsFile, SectionResult } from './results.js'

type Maybe<T> = T | undefined

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined

function fixed(v: unknown, digits: number): string {
  const n = num(v)
  return n === undefined ? '—' : n.toFixed(digits)
}

/** `2026-12-06, 1a2b3c4`: when and at which commit a section was measured. */
export function stamp(s: SectionResult): string {
  return `${s.date.slice(0, 10)}, ${s.commit}`
}

function loadText(s: SectionResult): string {
  return s.load ? `, load ${s.load.before} → ${s.load.after}` : ''
}

// ---- sections: one table row (or more) each in the README, one block each in latest.md ----

export interface EvalSet {
  name: string
  photos: number
  classes: number
  embedding: number
  backbone: number
  heldOut?: { trainSplit: number; before: number; after: number; gain: number }
}

function evalSets(s: Maybe<SectionResult>): EvalSet[] {
  const sets = s?.figures.sets
  return Array.isArray(sets) ? (sets as EvalSet[]) : []
}

interface Row {
  what: string
  measured: string
  target: string
}

function verdict(met: unknown): string {
  return met === true ? 'met' : met === false ? '**not met**' : ''
}

function indexingRows(f: Json): Row[] {
  const floor = obj(f.floor)
  const index = obj(f.index)
  const decode = obj(f.decodeOnly)
  const work = obj(f.work)
  if (!floor || !index) return [] // an older section without the decode + embed floor
  return [
    {
      what: `\`tessera index\` on ${f.photos} camera JPEGs of ${f.megapixels} MP vs the decode + embed floor (same files, same run, start-up included)`,
      measured:
        `**${fixed(f.ratio, 2)}×** (${fixed(index.photosPerSecond, 1)} vs ${fixed(floor.photosPerSecond, 1)} photos/s; ` +
        `decode alone ${fixed(decode?.photosPerSecond, 1)}); by CPU time a photo ${fixed(f.cpuRatio, 2)}× ` +
        `(${fixed(floor.cpuMsPerPhoto, 0)} vs ${fixed(index.cpuMsPerPhoto, 0)} ms); peak RSS ${fixed(index.peakRssMiB, 0)} MiB`,
      target: `≥ ${f.target}× ${verdict(f.met)}`.trim(),
    },
    ...(work
      ? [
          {
            what: `the same photos through the index's own per-photo work (SHA-256, thumbnail, hashes, metadata, embedding) with no store and no start-up`,
            measured:
              `**${fixed(work.ceiling, 2)}×** of the floor (${fixed(work.photosPerSecond, 1)} photos/s); by CPU time ` +
              `${fixed(work.cpuCeiling, 2)}× (${fixed(work.cpuMsPerPhoto, 0)} ms a photo)`,
            target: 'the ceiling of the ratio above',
          },
        ]
      : []),
  ]
}

function rescanRows(f: Json): Row[] {
  const secs = num(f.seconds)
  if (secs === undefined) return []
  return [
    {
      what: `unchanged rescan of ${Number(f.files).toLocaleString('en-US')} files (\`tessera index\`, start-up included)`,
      measured: `**${fixed(secs, 2)} s** (median of ${Array.isArray(f.runs) ? f.runs.length : 1}; CPU ${fixed(f.cpuSeconds, 1)} s), peak RSS ${fixed(f.peakRssMiB, 0)} MiB`,
      target: `≤ ${f.target} s ${verdict(f.met)}`.trim(),
    },
  ]
}

function startupRows(f: Json): Row[] {
  const help = obj(f.help)
  const status = obj(f.status)
  if (!help || !status) return []
  const t = obj(f.targets) ?? {}
  return [
    {
      what: `CLI start-up: \`tessera --help\` / \`tessera status\`, median of ${f.runs} runs`,
      measured: `**${fixed(help.median, 2)} s / ${fixed(status.median, 2)} s**`,
      target: `≤ ${t.help} s / ≤ ${t.status} s ${verdict(f.met)}`.trim(),
    },
  ]
}

function similarityRows(f: Json): Row[] {
  const sizes = Array.isArray(f.sizes) ? (f.sizes as Json[]) : []
  return sizes.map((s) => {
    const q = obj(s.queryMs) ?? {}
    return {
      what: `similar-photo query, exact top-${f.k}, ${Number(s.photos).toLocaleString('en-US')} photos`,
      measured: `**p50 ${fixed(q.p50, 1)} ms**, p95 ${fixed(q.p95, 1)} ms, ${fixed(s.memoryMiB, 0)} MiB`,
      target: `p50 ≤ ${s.targetP50Ms} ms ${verdict(s.met)}`.trim(),
    }
  })
}

function dupesRows(f: Json): Row[] {
  const runs = Array.isArray(f.runs) ? (f.runs as Json[]) : []
  const verified = runs.filter((r) => r.level === 'normal' && r.similar === false && r.verified === true)
  const first = verified[0] ?? runs.find((r) => r.level === 'normal' && r.similar === false)
  if (!first) return []
  const photos = Number(f.photos).toLocaleString('en-US')
  const flowers = f.atFlowersRate as Json | undefined
  const rows: Row[] = [
    {
      what: `duplicate detection, ${photos} photos, normal level, pixels verified, first run (index included)`,
      measured:
        `**${fixed(first.totalWithIndexSeconds, 0)} s**` +
        (flowers
          ? `; ${fixed(flowers.totalWithIndexSeconds, 0)} s at flowers17-40's rate of proposals`
          : '') +
        `; ${fixed(f.peakRssMiB, 0)} MiB peak`,
      target: `${String(f.target ?? '—').replace(/ at .*/, '')} ${verdict(f.met)}`.trim(),
    },
  ]
  const repeat = verified[1]
  if (repeat)
    rows.push({
      what: `the same, run again with the verdicts the first run kept`,
      measured: `**${fixed(repeat.totalWithIndexSeconds, 0)} s**`,
      target: '—',
    })
  return rows
}

function trainingRows(f: Json): Row[] {
  const sizes = Array.isArray(f.sizes) ? (f.sizes as Json[]) : []
  if (sizes.length === 0) return []
  const albums = sizes[0]!.albums
  return [
    {
      what: `training, ${albums} albums: seconds per epoch at ${sizes.map((s) => Number(s.photos).toLocaleString('en-US')).join(' / ')} photos`,
      measured: `**${sizes.map((s) => `${fixed(s.secondsPerEpoch, 2)} s`).join(' / ')}**`,
      target: '—',
    },
  ]
}

function reprojectionRows(f: Json): Row[] {
  return [
    {
      what: `applying a new head to ${Number(f.photos).toLocaleString('en-US')} photos (no decoding, one commit)`,
      measured: `**${fixed(f.seconds, 1)} s**`,
      target: '—',
    },
  ]
}

function rendererRows(f: Json): Row[] {
  const paint = obj(f.firstGridPaintMs)
  const scroll = obj(f.scrolling)
  const rows: Row[] = []
  const photos = Number(f.photos).toLocaleString('en-US')
  if (paint)
    rows.push({
      what: `interface, ${photos} photos (browser mode, Chromium, software rendering): first grid paint`,
      measured: `**${fixed(Number(paint.median) / 1000, 2)} s** from navigation (median of ${(paint.runs as unknown[]).length})`,
      target: Number(paint.median) <= 2000 ? '≤ 2 s met' : '≤ 2 s not met',
    })
  if (scroll)
    rows.push({
      what: `interface, ${photos} photos: scrolling the grid for ${scroll.seconds} s`,
      measured: `**${scroll.fps} frames/s**, ${scroll.thumbnailsShown} of ${scroll.tilesOnScreen} tiles on screen with their thumbnail when scrolling stops`,
      target: 'smooth',
    })
  const timeline = obj(f.timelineRead)
  if (timeline) {
    const withMs = obj(timeline.withDatesAndPlacesMs)
    const withoutMs = obj(timeline.withoutDatesAndPlacesMs)
    const added = Number(timeline.added) * 100
    rows.push({
      what: `interface, ${photos} photos: the timeline read (\`library.timeline\`), date sources and places stored vs not`,
      measured: `**${added >= 0 ? '+' : '−'}${fixed(Math.abs(added), 0)} %** (median ${withMs?.median} ms with, ${withoutMs?.median} ms without)`,
      target: added <= 20 ? '≤ +20 % met' : '≤ +20 % not met',
    })
  }
  return rows
}

function copiesRows(f: Json): Row[] {
  return [
    {
      what: `\`tessera index\` on ${Number(f.files).toLocaleString('en-US')} hard links to ${f.images} camera JPEGs (start-up included)`,
      measured: `**${fixed(f.seconds, 1)} s**, ${f.decoded} decoded, ${Number(f.copies).toLocaleString('en-US')} stored as copies; peak RSS ${fixed(f.peakRssMiB, 0)} MiB`,
      target: 'one decode per content',
    },
  ]
}

function suiteRows(f: Json): Row[] {
  const vitest = obj(f.vitest)
  const e2e = obj(f.e2e)
  if (!vitest || !e2e) return []
  return [
    {
      what: '`npm test`: vitest, then the interface build and Playwright (this working tree, one after the other)',
      measured:
        `**${fixed(f.seconds, 0)} s** (vitest ${fixed(vitest.seconds, 0)} s, ${vitest.passed} tests; ` +
        `build and Playwright ${fixed(e2e.seconds, 0)} s, ${e2e.passed} tests, ${e2e.skipped} skipped); ` +
        `CPU ${fixed(f.cpuSeconds, 0)} s`,
      target: `≤ ${f.targetSeconds} s ${verdict(f.met)}`.trim(),
    },
  ]
}

/** The README's benchmark table, in this order; a section not in the results file is left out. */
const BENCH_ROWS: Array<[string, (f: Json) => Row[]]> = [
  ['startup', startupRows],
  ['indexing', indexingRows],
  ['rescan', rescanRows],
  ['copies', copiesRows],
  ['similarity', similarityRows],
  ['dupes', dupesRows],
  ['training', trainingRows],
  ['reprojection', reprojectionRows],
  ['renderer', rendererRows],
  ['suite', suiteRows],
]

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The README's generated blocks, by marker name (`<!-- figures:NAME -->`), unformatted Markdown. */
export function readmeBlocks(results: ResultsFile): Record<string, string> {
  const evalSection = results.sections.eval
  const sets = evalSets(evalSection)
  const blocks: Record<string, string> = {}
  const source = (s: SectionResult, name: string) =>
    `<sub>\`npm run bench -- ${name}\`, ${stamp(s)}, ${s.machine}${loadText(s)}.</sub>`

  if (evalSection) {
    blocks.retrieval = [
      table(
        ['set', 'photos', 'classes', 'mP@5, 64-d embedding', 'mP@5, raw backbone feature'],
        sets.map((s) => [
          `\`${s.name}\``,
          String(s.photos),
          String(s.classes),
          `**${s.embedding.toFixed(3)}**`,
          s.backbone.toFixed(3),
        ]),
      ),
      '',
      source(evalSection, 'eval'),
    ].join('\n')
    const trained = sets.filter((s) => s.heldOut)
    blocks.personalisation = [
      table(
        ['set', 'held-out mP@5, library head', 'after training on the other half', 'gain'],
        trained.map((s) => [
          `\`${s.name}\` (${s.classes} classes)`,
          s.heldOut!.before.toFixed(3),
          `**${s.heldOut!.after.toFixed(3)}**`,
          `${s.heldOut!.gain >= 0 ? '+' : ''}${s.heldOut!.gain.toFixed(3)}`,
        ]),
      ),
      '',
      source(evalSection, 'eval'),
    ].join('\n')
  }

  const suite = results.sections.suite
  const sv = obj(suite?.figures.vitest)
  const se = obj(suite?.figures.e2e)
  if (suite && sv && se) {
    const f = suite.figures
    blocks.suite =
      `\`npm test\` took **${fixed(f.seconds, 0)} s** here (${fixed(Number(f.seconds) / 60, 1)} min; ` +
      `\`npm run bench -- suite\`, ${stamp(suite)}` +
      (suite.load ? `, load ${suite.load.before} when it started` : '') +
      `): vitest ${fixed(sv.seconds, 0)} s ` +
      `(${sv.passed} tests), then the interface build and Playwright ${fixed(se.seconds, 0)} s ` +
      `(${se.passed} tests, ${se.skipped} skipped), ${fixed(f.cpuSeconds, 0)} s of CPU in all on ` +
      `${suite.machine}. A busy machine takes much longer.`
  }

  const rows: string[][] = []
  for (const [name, render] of BENCH_ROWS) {
    const s = results.sections[name]
    if (!s) continue
    for (const r of render(s.figures)) rows.push([r.what, r.measured, r.target, `${stamp(s)}${loadText(s)}`])
  }
  blocks.benchmarks = table(['what', 'measured', 'target', 'run (date, commit, load)'], rows)
  return blocks
}

/** bench/results/latest.md: every section with its own stamp, its summary rows and its full figures. */
export function resultsMarkdown(results: ResultsFile): string {
  const lines = [
    '# Benchmark results',
    '',
    'Generated from `bench/results/latest.json` by `npm run readme`; each section says when, at which',
    'commit and on which machine it was measured (`npm run bench -- NAME` re-measures one).',
    '',
  ]
  const render = new Map(BENCH_ROWS)
  for (const name of Object.keys(results.sections).sort()) {
    const s = results.sections[name]!
    lines.push(`## ${name}`, '', `${s.date} · commit ${s.commit} · ${s.machine}${loadText(s)}`, '')
    const rows = render.get(name)?.(s.figures) ?? []
    if (name === 'eval') {
      for (const set of evalSets(s))
        rows.push({
          what: `\`${set.name}\`: mP@5 of the 64-d embedding / raw backbone${set.heldOut ? ' / held-out before → after training' : ''}`,
          measured:
            `${set.embedding.toFixed(3)} / ${set.backbone.toFixed(3)}` +
            (set.heldOut ? ` / ${set.heldOut.before.toFixed(3)} → ${set.heldOut.after.toFixed(3)}` : ''),
          target: '—',
        })
    }
    if (rows.length > 0)
      lines.push(
        table(
          ['what', 'measured', 'target'],
          rows.map((r) => [r.what, r.measured, r.target]),
        ),
        '',
      )
    lines.push('```json', JSON.stringify(s.figures, null, 2), '```', '')
  }
  return lines.join('\n')
}
