/**
 * The results file, bench/results/latest.json: one entry per section (`npm run bench -- NAME`), each with
 * the commit, date, machine and load it was measured at, and its figures. A run replaces only the sections
 * it ran, so every section keeps its own stamp. bench/results/latest.md and the README's figure tables are
 * generated from this file (scripts/readme-figures.ts), never typed by hand.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export type Json = Record<string, unknown>

export interface SectionResult {
  /** Short hash of HEAD when the section ran, with `+dirty` when tracked files (results aside) had changes. */
  commit: string
  /** ISO date the section finished. */
  date: string
  machine: string
  /** 1-minute load average before and after the section ran (the machine may be shared). */
  load?: { before: number; after: number }
  figures: Json
}

export interface ResultsFile {
  version: 2
  sections: Record<string, SectionResult>
}

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const RESULTS_DIR = path.join(REPO, 'bench', 'results')
export const RESULTS_FILE = path.join(RESULTS_DIR, 'latest.json')
export const RESULTS_MD = path.join(RESULTS_DIR, 'latest.md')

/** Reads the results file; a missing file is an empty one. */
export async function readResults(file = RESULTS_FILE): Promise<ResultsFile> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 2, sections: {} }
    throw error
  }
  return parseResults(text)
}

export function parseResults(text: string): ResultsFile {
  const data = JSON.parse(text) as Partial<ResultsFile>
  if (data.version !== 2 || typeof data.sections !== 'object' || data.sections === null)
    throw new Error('bench/results/latest.json is not a version 2 results file ({ version: 2, sections }).')
  return data as ResultsFile
}

export function serializeResults(results: ResultsFile): string {
  const sections = Object.fromEntries(
    Object.keys(results.sections)
      .sort()
      .map((k) => [k, results.sections[k]]),
  )
  return JSON.stringify({ version: 2, sections }, null, 2) + '\n'
}

/** Replaces one section, leaving the others as they were. */
export function withSection(results: ResultsFile, name: string, section: SectionResult): ResultsFile {
  return { version: 2, sections: { ...results.sections, [name]: section } }
}

export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim()
    // The results themselves do not count: they change with every run.
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results'],
      {
        cwd: REPO,
      },
    )
      .toString()
      .trim()
    return dirty ? `${head}+dirty` : head
  } catch {
    return 'unknown'
  }
}

export function machine(): string {
  const cpus = os.cpus()
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`
}

export function loadAverage(): number {
  return Number(os.loadavg()[0]!.toFixed(2))
}
