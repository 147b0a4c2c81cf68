/**
 * The `tessera` command line. Only commander and type imports load at start: each command imports the
 * engine parts it needs when it runs, so `tessera --help` answers without loading ONNX, LanceDB or sharp.
 * Built into out/cli by scripts/build-cli.mjs; bin/tessera.js runs that build.
 */
import path from 'node:path'
import { Command, CommanderError, Option } from 'commander'
import type { Engine, EngineConfig, IndexSummary } from '../engine/engine.js'
import type { SearchFilters, SearchHit } from '../engine/search/photo-search.js'
import type { DupeLevel } from '../engine/dupes/index.js'
import type { ContinuousEvent } from '../engine/personalize/continuous-trainer.js'
import { resolveLibraryDir } from '../engine/library/paths.js'
import type { ProviderName } from '../engine/types.js'
import { ProgressPrinter } from './progress.js'
import type { EvalReport } from '../engine/eval/evaluate-folder.js'

/** Exit codes: 0 success, 1 some files failed, 2 usage or fatal error (with a one-line message). */
export const EXIT_OK = 0
export const EXIT_SOME_FAILED = 1
export const EXIT_FATAL = 2

class CliError extends Error {}

interface GlobalOptions {
  library?: string
  json?: boolean
  providers?: string
  quiet?: boolean
}

const PROVIDERS: readonly ProviderName[] = ['cuda', 'dml', 'coreml', 'cpu']

interface FilterOptions {
  top: number
  folder?: string
  from?: string
  to?: string
  type?: string
  tag?: string
  place?: string
}

function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+)?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CliError(`Expected a date like 2024-07-31, got "${value}".`)
  }
  return value
}

function continuousText(e: ContinuousEvent): string {
  if (e.type === 'training') return `Albums changed: retraining on ${e.albums} albums…`
  if (e.type === 'skipped') return `Not retrained: ${e.reason}`
  const r = e.report
  const figures = `held-out mP@5 ${r.before['mP@5'].toFixed(3)} → ${r.after['mP@5'].toFixed(3)}`
  return e.type === 'accepted'
    ? `Now using ${r.headVersion} (${figures}).`
    : `Proposed ${r.headVersion} (${figures}): \`tessera heads use ${r.headVersion}\` to use it.`
}

function unknownLines(paths: string[]): string[] {
  return paths.map((p) => `  ✗ ${p}: not a photo of this library (index its folder first)`)
}

function parseUnit(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new CliError(`Expected a number between 0 and 1, got "${value}".`)
  return n
}

function parseCount(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`Expected a whole number of at least 1, got "${value}".`)
  return n
}

function parseProviders(value: string | undefined): ProviderName[] | undefined {
  const raw = value ?? process.env.TESSERA_PROVIDERS
  if (!raw) return undefined
  const list = raw.split(',').map((s) => s.trim().toLowerCase())
  for (const p of list) {
    if (!PROVIDERS.includes(p as ProviderName))
      throw new CliError(`Unknown execution provider "${p}" (use ${PROVIDERS.join(', ')}).`)
  }
  return list as ProviderName[]
}

function print(json: boolean | undefined, data: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`)
}

async function withEngine<T>(
  opts: GlobalOptions,
  extra: Partial<EngineConfig>,
  fn: (engine: Engine, progress: ProgressPrinter) => Promise<T>,
): Promise<T> {
  const progress = new ProgressPrinter(process.stderr, opts.quiet)
  const { Engine } = await import('../engine/engine.js')
  const engine = await Engine.open({
    libraryDir: resolveLibraryDir(opts.library),
    providers: parseProviders(opts.providers),
    onProgress: progress.event,
    ...extra,
  })
  try {
    return await fn(engine, progress)
  } finally {
    progress.end()
    await engine.close()
  }
}

function summaryText(s: IndexSummary): string {
  const lines = [
    `Indexed ${s.indexed}, unchanged ${s.unchanged}, moved ${s.moved}, copies ${s.copies}, removed ${s.removed}, failed ${s.failed.length} in ${s.seconds.toFixed(1)} s`,
    `Model ${s.model} on ${s.provider ?? 'no provider'}${s.head ? `, head ${s.head}` : ''}`,
  ]
  if (s.pendingReason) lines.push(`Embeddings pending for ${s.pending} photos: ${s.pendingReason}`)
  for (const f of s.failed.slice(0, 20)) lines.push(`  ✗ ${f.path}: ${f.reason}`)
  if (s.failed.length > 20) lines.push(`  … and ${s.failed.length - 20} more (tessera status --problems)`)
  return lines.join('\n')
}

function evalText(r: EvalReport): string {
  const pct = (v: number) => v.toFixed(3)
  const lines = [
    `mP@5 ${pct(r.embedding.mpAtK)} over ${r.embedding.queries} queries, ${r.classes} classes (backbone feature alone: ${pct(r.backbone.mpAtK)})`,
    `model ${r.model}, head ${r.head}`,
    ...Object.entries(r.embedding.perClass).map(
      ([c, s]) => `  ${c.padEnd(16)} ${pct(s.mpAtK)}  (${s.queries})`,
    ),
  ]
  if (r.training) {
    const t = r.training
    lines.push(
      `trained on ${t.trainPhotos} photos (${t.trainSplit} of each class), ${t.epochs} epochs, ${t.seconds.toFixed(1)} s:`,
      `  held-out mP@5 ${pct(t.before['mP@5'])} → ${pct(t.after['mP@5'])} (${t.gain >= 0 ? '+' : ''}${pct(t.gain)}) on ${t.heldOutPhotos} photos the head never saw`,
    )
  }
  if (r.reusedFeatures > 0) lines.push(`features of ${r.reusedFeatures} photos reused from the library`)
  const mixed = r.embedding.confusions.slice(0, 5)
  if (mixed.length > 0)
    lines.push('most confused:', ...mixed.map((c) => `  ${c.query} → ${c.retrieved}: ${c.count}`))
  return lines.join('\n')
}

function indexJson(s: IndexSummary) {
  return {
    indexed: s.indexed,
    unchanged: s.unchanged,
    removed: s.removed,
    moved: s.moved,
    copies: s.copies,
    decoded: s.decoded,
    failed: s.failed,
    pending: s.pending,
    pendingReason: s.pendingReason,
    seconds: Number(s.seconds.toFixed(3)),
    provider: s.provider,
    model: s.model,
    head: s.head,
  }
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command()
  program
    .name('tessera')
    .description('Tessera: a photo library that understands pictures.')
    .option('--library <dir>', 'library folder (default: TESSERA_LIBRARY or the per-user app-data folder)')
    .option('--json', 'machine-readable output on stdout')
    .option('--providers <list>', 'execution providers to try, in order (cuda,dml,coreml,cpu)')
    .option('-q, --quiet', 'no progress on stderr')
    .showHelpAfterError()
    .exitOverride()
  const g = () => program.opts<GlobalOptions>()

  program
    .command('index')
    .description('index folders (they become watched roots); with no folder, rescan every root')
    .argument('[folders...]', 'absolute paths (the filesystem root or your home folder need --confirm)')
    .option('--confirm', 'confirm indexing the whole disk or your whole home folder')
    .action(async (folders: string[], cmd: { confirm?: boolean }) => {
      await withEngine(g(), {}, async (engine) => {
        if (cmd.confirm && folders.length > 0) await engine.addRoots(folders, { confirm: true })
        const summary = await engine.index(folders)
        print(g().json, indexJson(summary), () => summaryText(summary))
        if (summary.failed.length > 0) setExit(EXIT_SOME_FAILED)
      })
    })

  program
    .command('watch')
    .description('index the roots (and these folders), then keep the library in step until interrupted')
    .argument('[folders...]')
    .addOption(new Option('--polling', 'poll the file system (network shares)'))
    .option('--confirm', 'confirm watching the whole disk or your whole home folder')
    .option('--continuous', 'continuous training: retrain the head when albums change (remembered)')
    .option('--no-continuous', 'turn continuous training off (remembered)')
    .option(
      '--auto-accept',
      'in continuous mode, use a retrained head by itself when it is better (remembered)',
    )
    .option('--no-auto-accept', 'only propose retrained heads (remembered)')
    .action(
      async (
        folders: string[],
        cmd: { polling?: boolean; continuous?: boolean; autoAccept?: boolean; confirm?: boolean },
      ) => {
        await withEngine(g(), {}, async (engine) => {
          if (cmd.polling !== undefined) await engine.updateSettings({ polling: cmd.polling })
          if (cmd.continuous !== undefined)
            await engine.updateSettings({ continuousTraining: cmd.continuous })
          if (cmd.autoAccept !== undefined)
            await engine.updateSettings({ autoAcceptImprovements: cmd.autoAccept })
          if (cmd.confirm && folders.length > 0) await engine.addRoots(folders, { confirm: true })
          const first = await engine.index(folders)
          print(g().json, { event: 'indexed', ...indexJson(first) }, () => summaryText(first))
          const watcher = await engine.watch({
            onBatch: (s) => print(g().json, { event: 'changed', ...indexJson(s) }, () => summaryText(s)),
            onError: (e) => process.stderr.write(`watch error: ${(e as Error).message}\n`),
          })
          const { ContinuousTrainer } = await import('../engine/personalize/continuous-trainer.js')
          const trainer = engine.settings.continuousTraining
            ? new ContinuousTrainer(engine, {
                autoAccept: engine.settings.autoAcceptImprovements,
                onEvent: (e) => print(g().json, { event: e.type, ...e }, () => continuousText(e)),
              })
            : null
          await trainer?.start()
          process.stderr.write(
            `Watching ${engine.settings.roots.join(', ')}${trainer ? ', training continuously' : ''} (Ctrl+C to stop)\n`,
          )
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve)
            process.once('SIGTERM', resolve)
          })
          await trainer?.stop()
          await watcher.close()
        })
      },
    )

  program
    .command('status')
    .description('what the library holds')
    .option('--problems', 'list the files that could not be read, with the reason')
    .action(async (cmd: { problems?: boolean }) => {
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const status = await engine.status()
        if (cmd.problems) {
          const problems = await engine.problems()
          print(g().json, { ...status, problems }, () =>
            problems.length === 0
              ? 'No problems.'
              : problems.map((p) => `${p.path}\n  ${p.reason}`).join('\n'),
          )
          return
        }
        print(g().json, status, () =>
          [
            `Library ${status.library}`,
            `Roots: ${status.roots.length > 0 ? status.roots.join(', ') : '(none)'}`,
            `${status.photos} photos: ${status.embedded} embedded, ${status.pending} pending, ${status.failed} with problems`,
            `Model ${status.model}, head ${status.head ?? '(none yet)'}`,
            status.lastProvider ? `Last run on ${status.lastProvider.provider}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        )
      })
    })

  program
    .command('doctor')
    .description('check the installation: versions, model pack, execution providers and why')
    .action(async () => {
      const { doctorReport, formatDoctor } = await import('../engine/doctor.js')
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const report = await doctorReport(engine)
        print(g().json, report, () => formatDoctor(report))
      })
    })

  const withFilters = (cmd: Command) =>
    cmd
      .option('-k, --top <n>', 'how many results', parseCount, 10)
      .option('--folder <dir>', 'only photos inside this folder')
      .option('--from <date>', 'captured on or after (YYYY-MM-DD)', parseDate)
      .option('--to <date>', 'captured on or before (YYYY-MM-DD)', parseDate)
      .option('--type <types>', 'file types, comma-separated (jpeg,png,heic,…)')
      .option('--tag <word>', 'only photos labelled with this word or one below it ("dog": every breed)')
      .option('--place <place>', 'only photos taken in this city or country ("Paris", "France")')
  const filtersOf = (o: FilterOptions): SearchFilters & { tag?: string } => ({
    tag: o.tag,
    place: o.place,
    folder: o.folder,
    from: o.from,
    to: o.to,
    types: o.type
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  })
  const printHits = (hits: SearchHit[]) =>
    print(
      g().json,
      hits.map((h) => ({ path: h.path, score: Number(h.score.toFixed(4)) })),
      () =>
        hits.length === 0
          ? 'No matching photos.'
          : hits.map((h) => `${h.score.toFixed(3)}  ${h.path}`).join('\n'),
    )

  withFilters(
    program
      .command('similar')
      .description(
        'the photos most similar to a library photo, or to any image file (not added to the library)',
      )
      .argument('<photo>'),
  ).action(async (photo: string, cmd: FilterOptions) => {
    await withEngine(g(), { readOnly: true }, async (engine) =>
      printHits(await engine.similar(photo, cmd.top, await engine.resolveFilters(filtersOf(cmd)))),
    )
  })

  withFilters(
    program
      .command('search')
      .description(
        'find photos by words ("dog", "red wine"): the built-in model\'s labels with their synonyms and broader words, or CLIP\'s text tower with a CLIP pack',
      )
      .argument('<words...>'),
  ).action(async (words: string[], cmd: FilterOptions) => {
    await withEngine(g(), { readOnly: true }, async (engine) => {
      const r = await engine.searchWords(words.join(' '), cmd.top, filtersOf(cmd))
      const unknown = r.unknown.map(
        (u) =>
          `Unknown word "${u.word}"${u.suggestions.length > 0 ? ` (near: ${u.suggestions.join(', ')})` : ''}.`,
      )
      if (r.mode === 'labels' && r.terms.length === 0)
        throw new CliError(`${unknown.join(' ')} No photos can be found by these words.`)
      if (!g().json) for (const line of unknown) process.stderr.write(`${line}\n`)
      print(
        g().json,
        {
          mode: r.mode,
          terms: r.terms,
          unknown: r.unknown,
          hits: r.hits.map((h) => ({
            path: h.path,
            score: Number(h.score.toFixed(4)),
            label: h.label,
            by: h.by,
          })),
        },
        () =>
          r.hits.length === 0
            ? 'No matching photos.'
            : r.hits
                .map(
                  (h) =>
                    `${h.score.toFixed(3)}  ${h.path}${h.label ? `  (${h.label})` : h.by === 'similar' ? '  (looks like the others)' : ''}`,
                )
                .join('\n'),
      )
    })
  })

  program
    .command('photos')
    .description(
      'list the photos: date and where it came from (exif, exif-other, filename, mtime), camera, size, place, tags, albums',
    )
    .option('--folder <dir>', 'only photos inside this folder')
    .option('--from <date>', 'captured on or after (YYYY-MM-DD)', parseDate)
    .option('--to <date>', 'captured on or before (YYYY-MM-DD)', parseDate)
    .option('--type <types>', 'file types, comma-separated (jpeg,png,heic,…)')
    .option('--album <album>', 'only photos in this album (name or id)')
    .option('--place <place>', 'only photos taken in this city or country ("Paris", "Paris, France")')
    .option('--tag <word>', 'only photos labelled with this word or one below it')
    .action(async (cmd: Omit<FilterOptions, 'top'> & { album?: string }) => {
      const { photosText } = await import('./photos-command.js')
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const base = await engine.resolveFilters(filtersOf({ ...cmd, top: 0 }))
        const photos = await engine.photos({ ...base, album: cmd.album })
        print(g().json, photos, () => photosText(photos))
      })
    })

  program
    .command('dupes')
    .description('exact duplicates and near-duplicates, with the photo to keep; a dry run unless --trash')
    .addOption(
      new Option('--level <level>', 'sensitivity').choices(['strict', 'normal', 'loose']).default('normal'),
    )
    .option(
      '--similar',
      'also list similar shots: frames of one moment (EXIF burst from one camera, or files of one folder saved seconds apart with the same framing); listed for review, never trashed',
    )
    .option('--mirror', 'also find left-right mirrored copies (off by default)')
    .option(
      '--trash',
      'move the other photos of each duplicate group to the OS trash (undo with `tessera undo`)',
    )
    .action(async (cmd: { level: DupeLevel; similar?: boolean; mirror?: boolean; trash?: boolean }) => {
      // A dry run opens the library for writing when it is free, so that the pair verdicts are kept for the
      // next run (pair-verdicts.json); while another process (the app) holds it, it runs read-only.
      const { LibraryBusyError } = await import('../engine/library/lock.js')
      let opened = false
      const run = (readOnly: boolean) =>
        withEngine(g(), { readOnly, lockWaitMs: cmd.trash ? undefined : 0 }, async (engine) => {
          opened = true
          return report(engine)
        })
      try {
        await run(false)
      } catch (error) {
        if (cmd.trash || opened || !(error instanceof LibraryBusyError)) throw error
        await run(true)
      }
      async function report(engine: Engine): Promise<void> {
        const groups = await engine.duplicates(cmd.level, cmd.similar ?? false, {
          mirror: cmd.mirror ?? false,
        })
        const json: Record<string, unknown> = {
          groups: groups.map((x) => ({ kind: x.kind, keep: x.keepPath, reason: x.reason, photos: x.paths })),
        }
        const lines = groups.map(
          (x) =>
            `${x.kind.padEnd(7)} keep ${x.keepPath}  (${x.reason})\n${x.paths
              .slice(1)
              .map((p) => `        ${cmd.trash && x.kind !== 'similar' ? 'trash' : 'other'} ${p}`)
              .join('\n')}`,
        )
        if (cmd.trash) {
          const others = groups.filter((x) => x.kind !== 'similar').flatMap((x) => x.paths.slice(1))
          const result = await engine.trash(others)
          json.trashed = result
          lines.push(
            `Moved ${result.moved.length} photos to the trash${result.failed.length ? `, ${result.failed.length} could not be moved` : ''}. Undo with \`tessera undo\`.`,
          )
          for (const f of result.failed) lines.push(`  ✗ ${f.path}: ${f.reason}`)
          if (result.failed.length > 0) setExit(EXIT_SOME_FAILED)
        } else {
          lines.push(
            groups.length === 0
              ? 'No duplicates found.'
              : `${groups.length} groups. Nothing was moved: add --trash to move the other photos to the trash.`,
          )
        }
        print(g().json, json, () => lines.join('\n'))
      }
    })

  program
    .command('undo')
    .description('put back the photos the last `dupes --trash` moved to the trash')
    .action(async () => {
      await withEngine(g(), {}, async (engine) => {
        const r = await engine.undo()
        print(g().json, r, () =>
          r.actionId === null
            ? 'Nothing to undo.'
            : [
                `Restored ${r.restored.length} photos.`,
                ...r.failed.map((f) => `  ✗ ${f.path}: ${f.reason}`),
              ].join('\n'),
        )
        if (r.failed.length > 0) setExit(EXIT_SOME_FAILED)
      })
    })

  const trashCmd = program
    .command('trash')
    .description('what Tessera moved to the trash, and putting it back')
  trashCmd
    .command('list')
    .description('files Tessera moved to the trash (from its journal), newest batch first')
    .option('--all', 'also the ones already put back')
    .action(async (cmd: { all?: boolean }) => {
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const entries = (await engine.trashed()).filter((e) => cmd.all || e.state !== 'restored')
        print(g().json, entries, () =>
          entries.length === 0
            ? 'Nothing Tessera moved is in the trash.'
            : entries
                .map((e) => `${e.batchId}  ${e.state.padEnd(8)} ${e.photoId ?? '(no photo)'}  ${e.path}`)
                .join('\n'),
        )
      })
    })
  trashCmd
    .command('restore')
    .description('put photos back from the trash (any batch, not only the last): by photo id or path')
    .argument('[photos...]', 'photo ids or original paths')
    .option('--batch <ids...>', 'every photo of these batches (see `tessera trash list`)')
    .action(async (photos: string[], cmd: { batch?: string[] }) => {
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
      await withEngine(g(), {}, async (engine) => {
        const r = await engine.restoreTrashed({
          photoIds: photos.filter((p) => uuid.test(p)),
          paths: photos.filter((p) => !uuid.test(p)),
          actionIds: cmd.batch ?? [],
        })
        print(g().json, r, () =>
          [
            `Restored ${r.restored.length} photos.`,
            ...r.failed.map((f) => `  ✗ ${f.path}: ${f.reason}`),
          ].join('\n'),
        )
        if (r.failed.length > 0) setExit(EXIT_SOME_FAILED)
      })
    })

  program
    .command('groups')
    .description('automatic groups of visually related photos (split into events by capture date)')
    .option('--min-similarity <s>', 'how alike linked photos must be (cosine, 0..1)', parseUnit)
    .option('--min-size <n>', 'smallest group', parseCount)
    .action(async (cmd: { minSimilarity?: number; minSize?: number }) => {
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const { groups, ungrouped } = await engine.groups({
          minSimilarity: cmd.minSimilarity,
          minSize: cmd.minSize,
        })
        const json = {
          groups: groups.map((x) => ({
            id: x.id,
            name: x.name,
            cover: x.coverPath,
            photos: x.paths,
            from: x.from,
            to: x.to,
          })),
          ungrouped,
        }
        print(g().json, json, () =>
          [
            ...groups.map(
              (x) =>
                `${x.name}  (${x.paths.length} photos${x.from ? `, ${x.from.slice(0, 10)} – ${x.to!.slice(0, 10)}` : ''})  cover ${x.coverPath}  ${x.id}`,
            ),
            `${groups.length} groups, ${ungrouped} photos ungrouped`,
          ].join('\n'),
        )
      })
    })

  program
    .command('eval')
    .description(
      'score retrieval on a labelled folder (one subfolder per class) with the GUIE metric, mean Precision@5',
    )
    .argument('<folder>')
    .option(
      '--train-split <fraction>',
      'train a head on this fraction of each class, score the rest before and after',
      parseUnit,
    )
    .option('--epochs <n>', 'training epochs', parseCount)
    .option('--margin <m>', 'ArcFace angular margin (radians)', Number)
    .option('--scale <s>', 'ArcFace logit scale', Number)
    .action(
      async (
        folder: string,
        cmd: { trainSplit?: number; epochs?: number; margin?: number; scale?: number },
      ) => {
        const opts = g()
        const progress = new ProgressPrinter(process.stderr, opts.quiet)
        const [{ Engine }, { createEngine }, { nodeAdapters }, { evaluateFolder }] = await Promise.all([
          import('../engine/engine.js'),
          import('../engine/create-engine.js'),
          import('../engine/adapters/node-adapters.js'),
          import('../engine/eval/evaluate-folder.js'),
        ])
        const providers = parseProviders(opts.providers)
        try {
          // A temporary library for the folder alone; the current library (--library, TESSERA_LIBRARY)
          // lends its model and stored features, and is only ever opened read-only.
          const source = opts.library ?? process.env.TESSERA_LIBRARY
          const report = await evaluateFolder(folder, {
            open: (libraryDir, wrap) =>
              createEngine(
                { libraryDir, providers, onProgress: progress.event },
                wrap(nodeAdapters(process.env)),
              ),
            sourceLibrary: source ? resolveLibraryDir(source) : undefined,
            openSource: (libraryDir) => Engine.open({ libraryDir, readOnly: true }),
            trainSplit: cmd.trainSplit,
            train: { epochs: cmd.epochs, margin: cmd.margin, scale: cmd.scale },
          })
          progress.end()
          print(opts.json, report, () => evalText(report))
        } finally {
          progress.end()
        }
      },
    )

  const albums = program.command('albums').description('albums: your labels, which training learns from')
  albums.command('list').action(async () => {
    await withEngine(g(), { readOnly: true }, async (engine) => {
      const list = await (await engine.albums()).list()
      print(g().json, list, () =>
        list.length === 0 ? 'No albums yet.' : list.map((a) => `${a.name}  (${a.count})`).join('\n'),
      )
    })
  })
  albums
    .command('create')
    .argument('<name>')
    .action(async (name: string) => {
      await withEngine(g(), {}, async (engine) => {
        const album = await (await engine.albums()).create(name)
        print(g().json, album, () => `Created "${album.name}".`)
      })
    })
  albums
    .command('rename')
    .argument('<album>')
    .argument('<new-name>')
    .action(async (album: string, newName: string) => {
      await withEngine(g(), {}, async (engine) => {
        const renamed = await (await engine.albums()).rename(album, newName)
        print(g().json, renamed, () => `Renamed to "${renamed.name}".`)
      })
    })
  albums
    .command('delete')
    .description('delete an album (its photos stay in the library)')
    .argument('<album>')
    .action(async (album: string) => {
      await withEngine(g(), {}, async (engine) => {
        const r = await (await engine.albums()).delete(album)
        print(
          g().json,
          r,
          () => `Deleted "${album}" (${r.removedMemberships} photos were in it; they stay in the library).`,
        )
      })
    })
  albums
    .command('show')
    .description("an album's photos")
    .argument('<album>')
    .action(async (album: string) => {
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const ids = await (await engine.albums()).members(album)
        const paths = (await engine.store.get(ids)).map((r) => r.path).sort()
        print(g().json, paths, () => (paths.length === 0 ? '(empty)' : paths.join('\n')))
      })
    })
  albums
    .command('add')
    .description('add photos to an album (a photo can be in several albums)')
    .argument('<album>')
    .argument('<photos...>', 'photos, or folders: every photo of the library under a folder')
    .action(async (album: string, photos: string[]) => {
      await withEngine(g(), {}, async (engine) => {
        const { ids, unknown } = await engine.photoIds(photos)
        const r = await (await engine.albums()).add(album, ids)
        print(g().json, { ...r, unknown }, () =>
          [
            `Added ${r.added} photos to "${album}" (${r.already} already in it).`,
            ...unknownLines(unknown),
          ].join('\n'),
        )
        if (unknown.length > 0) setExit(EXIT_SOME_FAILED)
      })
    })
  albums
    .command('remove')
    .description('take photos out of an album (they stay in the library)')
    .argument('<album>')
    .argument('<photos...>', 'photos, or folders: every photo of the library under a folder')
    .action(async (album: string, photos: string[]) => {
      await withEngine(g(), {}, async (engine) => {
        const { ids, unknown } = await engine.photoIds(photos)
        const r = await (await engine.albums()).remove(album, ids)
        print(g().json, { ...r, unknown }, () =>
          [`Removed ${r.removed} photos from "${album}".`, ...unknownLines(unknown)].join('\n'),
        )
        if (unknown.length > 0) setExit(EXIT_SOME_FAILED)
      })
    })
  albums
    .command('export')
    .description('save every album to a JSON file (labelling work is never lost)')
    .argument('<file>')
    .action(async (file: string) => {
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const r = await engine.exportAlbums(file)
        print(g().json, r, () => `Exported ${r.albums} albums (${r.members} photos) to ${r.file}.`)
      })
    })
  albums
    .command('import')
    .description('merge albums from a JSON file; photos are matched by id, then content, then path')
    .argument('<file>')
    .action(async (file: string) => {
      await withEngine(g(), {}, async (engine) => {
        const r = await engine.importAlbums(file)
        print(g().json, r, () =>
          [
            `Imported ${r.albums} albums: ${r.added} photos added, ${r.already} already there.`,
            ...r.unmatched.map((u) => `  ✗ ${u.album}: ${u.path ?? u.id} is not in this library`),
          ].join('\n'),
        )
        if (r.unmatched.length > 0) setExit(EXIT_SOME_FAILED)
      })
    })

  program
    .command('suggest')
    .description(
      'photos in no album yet that most likely belong to this one (add them with `tessera albums add`)',
    )
    .argument('<album>')
    .option('-k, --top <n>', 'how many suggestions', parseCount, 20)
    .action(async (album: string, cmd: { top: number }) => {
      await withEngine(g(), { readOnly: true }, async (engine) =>
        printHits(await engine.suggest(album, cmd.top)),
      )
    })

  program
    .command('train')
    .description(
      'train the embedding head on your albums; held-out mP@5 before and after; --accept to use it',
    )
    .option('--epochs <n>', 'passes over the photos', parseCount)
    .option('--margin <m>', 'ArcFace angular margin (radians)', Number)
    .option('--scale <s>', 'ArcFace logit scale', Number)
    .option('--seed <n>', 'random seed (training is reproducible)', Number)
    .option('--accept', 'make the new head the one the library uses')
    .action(
      async (cmd: { epochs?: number; margin?: number; scale?: number; seed?: number; accept?: boolean }) => {
        await withEngine(g(), {}, async (engine) => {
          const r = await engine.train({
            epochs: cmd.epochs,
            margin: cmd.margin,
            scale: cmd.scale,
            seed: cmd.seed,
            accept: cmd.accept,
          })
          const f = (v: number) => v.toFixed(3)
          print(g().json, r, () =>
            [
              `Trained on ${r.trainPhotos} photos of ${r.albums} albums, ${r.epochs} epochs, ${r.seconds.toFixed(1)} s.`,
              `Held-out mP@5 ${f(r.before['mP@5'])} → ${f(r.after['mP@5'])} on ${r.heldOutPhotos} photos the new head never saw.`,
              r.accepted
                ? `Now using ${r.headVersion}.`
                : `Saved as ${r.headVersion}; use it with \`tessera heads use ${r.headVersion}\` (or train with --accept).`,
            ].join('\n'),
          )
        })
      },
    )

  const heads = program
    .command('heads')
    .description('embedding heads: the library-fitted default and the ones trained on your albums')
  heads.command('list').action(async () => {
    await withEngine(g(), { readOnly: true }, async (engine) => {
      const list = await engine.listHeads()
      print(g().json, list, () =>
        list.length === 0
          ? 'No heads yet: index some photos first.'
          : list
              .map((h) => {
                const metrics = Object.entries(h.metrics)
                  .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`)
                  .join(', ')
                return `${h.active ? '●' : '○'} ${h.version}  ${h.kind}, ${h.fittedOn} photos, ${h.createdAt.slice(0, 16)}${metrics ? `, ${metrics}` : ''}`
              })
              .join('\n'),
      )
    })
  })
  heads
    .command('use')
    .description('switch to a saved head (re-projects every photo, no decoding)')
    .argument('<version>')
    .action(async (version: string) => {
      await withEngine(g(), {}, async (engine) => {
        const r = await engine.useHead(version)
        print(
          g().json,
          { version, ...r },
          () => `Now using ${version} (${r.reprojected} photos re-projected).`,
        )
      })
    })

  const models = program.command('models').description('model packs')
  models
    .command('list')
    .description('known and installed model packs')
    .action(async () => {
      await withEngine(g(), { readOnly: true }, async (engine) => {
        const packs = await engine.listModels()
        print(g().json, packs, () =>
          packs
            .map(
              (p) =>
                `${p.installed ? '●' : '○'} ${p.id}${p.id === engine.settings.model ? ' (active)' : ''}  ${p.title}`,
            )
            .join('\n'),
        )
      })
    })
  models
    .command('use')
    .description('make an installed pack the library model (photos are re-embedded by the next index run)')
    .argument('<id>')
    .action(async (id: string) => {
      await withEngine(g(), {}, async (engine) => {
        await engine.useModel(id)
        print(g().json, { id }, () => `Now using ${id}: run \`tessera index\` to re-embed the photos.`)
      })
    })
  models
    .command('download')
    .description('download and verify a model pack (resumes an interrupted download)')
    .argument('<id>')
    .action(async (id: string) => {
      await withEngine(g(), {}, async (engine, progress) => {
        const pack = await engine.downloadModel(id, progress.bytes)
        progress.end()
        print(g().json, pack, () => `Installed ${id} in ${pack.dir}`)
      })
    })
  models
    .command('import')
    .description(
      "install a custom pack from a folder holding manifest.json and its files (sha256-checked), or a CLIP export in Immich's layout (visual/, textual/, config.json)",
    )
    .argument('<folder>')
    .option('--use', 'make it the library model (photos are re-embedded by the next index run)')
    .action(async (folder: string, opts: { use?: boolean }) => {
      await withEngine(g(), {}, async (engine) => {
        const id = await engine.importModel(path.resolve(folder))
        if (opts.use) await engine.useModel(id)
        print(g().json, { id, active: engine.settings.model === id }, () =>
          opts.use
            ? `Installed ${id}; it is now the library model: run \`tessera index\`.`
            : `Installed ${id}.`,
        )
      })
    })

  const roots = program.command('roots').description('watched folders')
  roots
    .command('add')
    .description('watch folders (absolute paths; system folders and the library folder are refused)')
    .argument('<folders...>')
    .option('--confirm', 'confirm adding the whole disk or your whole home folder')
    .action(async (folders: string[], cmd: { confirm?: boolean }) => {
      await withEngine(g(), {}, async (engine) => {
        const added = await engine.addRoots(folders, { confirm: cmd.confirm === true })
        print(g().json, { added, roots: engine.settings.roots }, () =>
          added.length > 0
            ? `Added ${added.join(', ')}. Run \`tessera index\` to index them.`
            : 'Already watched.',
        )
      })
    })
  roots
    .command('remove')
    .description('stop watching folders; their photos leave the library, the files are not touched')
    .argument('<folders...>')
    .action(async (folders: string[]) => {
      await withEngine(g(), {}, async (engine) => {
        const removed = await engine.removeRoots(folders)
        print(
          g().json,
          { removed, roots: engine.settings.roots },
          () => `Removed ${removed} photos from the library.`,
        )
      })
    })
  roots.command('list').action(async () => {
    await withEngine(g(), { readOnly: true }, async (engine) => {
      print(g().json, engine.settings.roots, () => engine.settings.roots.join('\n') || '(no roots)')
    })
  })
  return program
}

export async function runCli(argv: string[]): Promise<number> {
  let code = EXIT_OK
  const program = buildProgram((c) => (code = Math.max(code, c)))
  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; anything else is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_FATAL
    }
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`tessera: ${message.split('\n')[0]}\n`)
    return EXIT_FATAL
  }
}

process.exitCode = await runCli(process.argv.slice(2))
