import { describe, expect, it } from 'vitest'
import { blockNames, formatBlocks, replaceBlocks } from '../../../bench/figures.js'
import { readmeBlocks, resultsMarkdown } from '../../../bench/report.js'
import { parseResults, serializeResults, withSection, type ResultsFile } from '../../../bench/results.js'
import { summaryCounts } from '../../../bench/suite.js'

const stamp = (commit: string, date: string) => ({ commit, date, machine: '2 × test cpu, 4 GiB, node v20' })

const results: ResultsFile = {
  version: 2,
  sections: {
    eval: {
      ...stamp('aaaaaaa', '2026-12-01T10:00:00.000Z'),
      figures: {
        sets: [
          {
            name: 'seed-5class',
            photos: 104,
            classes: 5,
            embedding: 0.9671,
            backbone: 0.9157,
            heldOut: { trainSplit: 0.5, before: 0.8164, after: 0.9612, gain: 0.1448 },
          },
        ],
      },
    },
    rescan: {
      ...stamp('bbbbbbb', '2026-12-02T10:00:00.000Z'),
      load: { before: 1.5, after: 2 },
      figures: { files: 100000, seconds: 3.21, peakRssMiB: 410.4, target: 5, met: true },
    },
  },
}

describe('README figures', () => {
  it('fills each block from the results, with the section’s own commit and date', () => {
    const blocks = readmeBlocks(results)
    expect(blocks.retrieval).toContain('**0.967**')
    expect(blocks.retrieval).toContain('0.916')
    expect(blocks.retrieval).toContain('2026-12-01, aaaaaaa')
    expect(blocks.personalisation).toContain('+0.145')
    expect(blocks.benchmarks).toContain('unchanged rescan of 100,000 files')
    expect(blocks.benchmarks).toContain('**3.21 s**')
    expect(blocks.benchmarks).toContain('2026-12-02, bbbbbbb, load 1.5 → 2')
    expect(blocks.benchmarks).not.toContain('aaaaaaa')
  })

  it('replaces only the text between the markers', () => {
    const readme = [
      '# Title',
      'hand-written text',
      '<!-- figures:retrieval -->',
      '| old | table |',
      '<!-- /figures:retrieval -->',
      'more text',
      '',
    ].join('\n')
    const out = replaceBlocks(readme, { retrieval: 'NEW\n' })
    expect(out).toBe(
      [
        '# Title',
        'hand-written text',
        '<!-- figures:retrieval -->',
        '',
        'NEW',
        '',
        '<!-- /figures:retrieval -->',
        'more text',
        '',
      ].join('\n'),
    )
    expect(replaceBlocks(out, { retrieval: 'NEW\n' })).toBe(out)
    expect(blockNames(out)).toEqual(['retrieval'])
  })

  it('refuses a block the results cannot fill, and an unclosed marker', () => {
    expect(() => replaceBlocks('<!-- figures:nope -->\nx\n<!-- /figures:nope -->\n', {})).toThrow(/nope/)
    expect(() => replaceBlocks('<!-- figures:retrieval -->\nx\n', { retrieval: 'y' })).toThrow(/closing/)
  })

  it('formats tables as Prettier does, so the README stays Prettier-clean', async () => {
    const { retrieval } = await formatBlocks(readmeBlocks(results))
    const lines = retrieval!.split('\n').filter((l) => l.startsWith('|'))
    expect(new Set(lines.map((l) => l.length)).size).toBe(1) // padded columns
  })
})

describe('the suite section', () => {
  const suite = {
    ...stamp('ccccccc', '2026-12-03T10:00:00.000Z'),
    load: { before: 1.2, after: 2.5 },
    figures: {
      seconds: 451.4,
      cpuSeconds: 720.3,
      vitest: { seconds: 335.2, cpuSeconds: 590.1, passed: 1183, failed: 0, skipped: 0 },
      e2e: { seconds: 116.2, cpuSeconds: 130.2, passed: 17, failed: 0, skipped: 7 },
      targetSeconds: 360,
      met: false,
    },
  }
  const blocks = readmeBlocks({ version: 2, sections: { ...results.sections, suite } })

  it('gives the test section its sentence and the benchmark table its row, from the results alone', () => {
    expect(blocks.suite).toContain('**451 s**')
    expect(blocks.suite).toContain('7.5 min')
    expect(blocks.suite).toContain('vitest 335 s (1183 tests)')
    expect(blocks.suite).toContain('Playwright 116 s (17 tests, 7 skipped)')
    expect(blocks.suite).toContain('2026-12-03, ccccccc, load 1.2 when it started')
    expect(blocks.benchmarks).toContain('≤ 360 s **not met**')
    expect(readmeBlocks(results).suite).toBeUndefined()
  })

  it('reads the counts from the last plain summary line, colours and all', () => {
    const out =
      'tests: 1 passed, 0 failed, 0 skipped\n\x1b[32mlog\x1b[0m\ntests: 1183 passed, 2 failed, 3 skipped\n'
    expect(summaryCounts(out, 'tests')).toEqual({ passed: 1183, failed: 2, skipped: 3 })
    expect(summaryCounts('e2e tests: 17 passed, 0 failed, 7 skipped\n', 'e2e tests')).toEqual({
      passed: 17,
      failed: 0,
      skipped: 7,
    })
    expect(summaryCounts('Tests  1183 passed (1183)\n', 'tests')).toBeUndefined()
  })
})

describe('results file', () => {
  it('replaces one section and keeps the others with their own stamps', () => {
    const next = withSection(results, 'rescan', {
      ...stamp('ccccccc', '2026-12-03T10:00:00.000Z'),
      figures: { files: 100000, seconds: 2.5, peakRssMiB: 400, target: 5, met: true },
    })
    const back = parseResults(serializeResults(next))
    expect(back.sections.rescan!.commit).toBe('ccccccc')
    expect(back.sections.eval!.commit).toBe('aaaaaaa')
    expect(resultsMarkdown(back)).toContain('2026-12-01T10:00:00.000Z · commit aaaaaaa')
  })

  it('rejects a file of the old single-stamp shape', () => {
    expect(() => parseResults(JSON.stringify({ date: 'x', commit: 'y', indexing: {} }))).toThrow(/version 2/)
  })
})
