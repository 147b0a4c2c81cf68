/**
 * The interface with a 100,000-photo library, in browser mode, measured in Debian's Chromium:
 * - time to first grid paint: from navigation start to the first frame that shows decoded thumbnails in
 *   the grid (the page's own clock, so the server's start-up is not counted, but loading the page, its
 *   scripts, the 100,000-photo timeline and the first thumbnails are);
 * - scrolling: frames per second while the grid scrolls continuously at about 3 screens a second for
 *   5 seconds, and the share of frames slower than 50 ms;
 * - the timeline read (`library.timeline`: the store's timeline columns, sorted) on this library, whose
 *   photos carry a date source and, for 40 % of them, a place, against the same rows without those columns
 *   filled: what dates and places add to it (target ≤ 20 %).
 *
 * The library is synthetic (rows written straight into LanceDB, 240 distinct thumbnails shared by hash),
 * since indexing 100,000 real photos would take hours here; the server opens it without rescanning.
 */
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { chromium } from '@playwright/test'
import { startServeProcess } from '../e2e/serve-process.js'
import { libraryLayout } from '../src/engine/library/paths.js'
import { defaultSettings, saveSettings } from '../src/engine/library/settings.js'
import { blankPhotoRow, PhotoStore, type PhotoRow } from '../src/engine/store/photo-store.js'
import { ThumbnailCache } from '../src/engine/store/thumbnail-cache.js'
import { LibraryCaches } from '../src/host/library-caches.js'

const PHOTOS = Number(process.env.TESSERA_BENCH_RENDERER ?? 100_000)
const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium'
const DISTINCT_THUMBS = 240

type Json = Record<string, unknown>

// Page scripts as plain JavaScript source: tsx's transform would add helpers (`__name`) that do not exist
// in the page.

/** Resolves with the page's clock at the first frame showing a decoded grid thumbnail. */
const FIRST_PAINT_SCRIPT = `new Promise((resolve) => {
  const check = () => {
    const imgs = Array.from(document.querySelectorAll('[data-testid=grid-photo] img'))
    if (imgs.some((i) => i.complete && i.naturalWidth > 0)) resolve(performance.now())
    else requestAnimationFrame(check)
  }
  check()
})`

/** Scrolls the grid's scrolling container at 3 screens a second for 5 s, timing every frame. */
const SCROLL_SCRIPT = `new Promise((resolve, reject) => {
  let el = document.querySelector('[data-testid=grid-photo]').parentElement
  while (el && !(el.scrollHeight > el.clientHeight + 10 && /(auto|scroll)/.test(getComputedStyle(el).overflowY)))
    el = el.parentElement
  if (!el) return reject(new Error('No scrolling container around the grid'))
  const frames = []
  const duration = 5000
  const speed = (el.clientHeight * 3) / 1000
  const t0 = performance.now()
  let last = t0
  const step = (now) => {
    frames.push(now - last)
    last = now
    el.scrollTop = (now - t0) * speed
    if (now - t0 < duration) return requestAnimationFrame(step)
    resolve({
      seconds: Math.round((now - t0) / 100) / 10,
      frames: frames.length,
      fps: Math.round((frames.length / ((now - t0) / 1000)) * 10) / 10,
      framesOver50ms: frames.filter((f) => f > 50).length,
      worstFrameMs: Math.round(Math.max(...frames)),
      scrolledPx: Math.round(el.scrollTop),
      scrollHeightPx: el.scrollHeight,
      mountedTiles: document.querySelectorAll('[data-testid=grid-photo]').length,
      // Tiles on screen whose thumbnail had arrived and decoded when scrolling stopped.
      thumbnailsShown: Array.from(document.querySelectorAll('[data-testid=grid-photo] img')).filter(
        (i) => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().bottom > 0 && i.getBoundingClientRect().top < innerHeight,
      ).length,
      tilesOnScreen: Array.from(document.querySelectorAll('[data-testid=grid-photo]')).filter(
        (t) => t.getBoundingClientRect().bottom > 0 && t.getBoundingClientRect().top < innerHeight,
      ).length,
    })
  }
  requestAnimationFrame(step)
})`

/** Places given to 40 % of the synthetic photos, as the reverse geocoder names them. */
const PLACES: Array<[string, string, number, number]> = [
  ['Paris', 'France', 48.8566, 2.3522],
  ['Tokyo', 'Japan', 35.6895, 139.6917],
  ['New York City', 'United States', 40.7143, -74.006],
  ['Sydney', 'Australia', -33.8679, 151.2073],
  ['Rio de Janeiro', 'Brazil', -22.9064, -43.1822],
  ['Zürich', 'Switzerland', 47.3667, 8.55],
  ['Reykjavík', 'Iceland', 64.1355, -21.8954],
  ['Cape Town', 'South Africa', -33.9258, 18.4232],
]
/** Date sources in a mixed library: camera photos, then named downloads and screenshots, then file times. */
const DATE_SOURCES = ['exif', 'exif', 'exif', 'filename', 'filename', 'mtime', 'exif-other'] as const

/**
 * The synthetic library. `datesAndPlaces` fills the date source of every photo and the place of 40 % of
 * them; without it those columns stay empty (a library from before dates and places), for comparison.
 */
async function buildLibrary(dir: string, { thumbnails = true, datesAndPlaces = true } = {}): Promise<void> {
  const layout = libraryLayout(dir)
  await fs.mkdir(layout.dir, { recursive: true })
  const root = path.join(dir, 'Photos')
  await fs.mkdir(root, { recursive: true })
  await saveSettings(layout.settings, { ...defaultSettings(), roots: [root] })
  const thumbs = new ThumbnailCache(layout.thumbs)
  const hashes: string[] = []
  for (let i = 0; i < DISTINCT_THUMBS; i++) {
    if (!thumbnails) {
      hashes.push(createHash('sha256').update(`thumb-${i}`).digest('hex'))
      continue
    }
    const hash = createHash('sha256').update(`thumb-${i}`).digest('hex')
    const hue = (i * 47) % 360
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><defs><linearGradient id="g"><stop offset="0" stop-color="hsl(${hue},55%,45%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},55%,70%)"/></linearGradient></defs><rect width="320" height="240" fill="url(#g)"/><circle cx="${40 + (i % 9) * 30}" cy="120" r="${20 + (i % 5) * 10}" fill="hsl(${(hue + 180) % 360},50%,60%)"/></svg>`
    await thumbs.write(hash, await sharp(Buffer.from(svg)).webp({ quality: 70 }).toBuffer())
    hashes.push(hash)
  }
  const store = await PhotoStore.open(layout.db)
  const start = Date.UTC(2014, 0, 1)
  const span = Date.UTC(2025, 0, 1) - start
  for (let offset = 0; offset < PHOTOS; offset += 10_000) {
    const rows: PhotoRow[] = []
    for (let i = offset; i < Math.min(PHOTOS, offset + 10_000); i++) {
      const taken = new Date(start + Math.floor((span * i) / PHOTOS))
      const place = i % 5 < 2 ? PLACES[(i >> 3) % PLACES.length]! : null
      const filled = datesAndPlaces
        ? {
            dateSource: DATE_SOURCES[i % DATE_SOURCES.length]!,
            latitude: place ? place[2] + ((i % 97) - 48) * 1e-4 : null,
            longitude: place ? place[3] + ((i % 89) - 44) * 1e-4 : null,
            placeCity: place?.[0] ?? null,
            placeCountry: place?.[1] ?? null,
          }
        : {}
      rows.push({
        ...blankPhotoRow({
          id: randomUUID(),
          path: path.join(root, `${taken.getUTCFullYear()}`, `IMG_${String(i).padStart(6, '0')}.jpg`),
          root,
          size: 2_000_000 + (i % 1000) * 1000,
          mtimeMs: taken.getTime(),
        }),
        hash: hashes[i % DISTINCT_THUMBS]!,
        format: 'jpeg',
        width: 4000,
        height: 3000,
        takenAt: taken.toISOString(),
        ...filled,
      })
    }
    await store.upsert(rows)
  }
  await store.optimize()
  store.close()
}

async function cachedLibrary(
  dir: string,
  options: { thumbnails?: boolean; datesAndPlaces?: boolean },
  log: (m: string) => void,
): Promise<void> {
  const marker = path.join(dir, '.complete')
  if (
    await fs.access(marker).then(
      () => true,
      () => false,
    )
  )
    return
  log(`renderer: building a ${PHOTOS}-photo library in ${dir}`)
  await fs.rm(dir, { recursive: true, force: true })
  await buildLibrary(dir, options)
  await fs.writeFile(marker, '')
}

/** Median milliseconds of `library.timeline` (store read and sort, no cache) over 7 runs, after one warm-up. */
async function timelineReadMs(dir: string): Promise<{ medianMs: number; runsMs: number[]; photos: number }> {
  const store = await PhotoStore.open(libraryLayout(dir).db)
  try {
    const engine = { store, groups: () => Promise.reject(new Error('not measured')) }
    const read = () =>
      new LibraryCaches(engine as unknown as ConstructorParameters<typeof LibraryCaches>[0]).timeline()
    const photos = (await read()).ids.length
    const runsMs: number[] = []
    for (let run = 0; run < 7; run++) {
      const t0 = performance.now()
      await read()
      runsMs.push(Math.round((performance.now() - t0) * 10) / 10)
    }
    const sorted = [...runsMs].sort((a, b) => a - b)
    return { medianMs: sorted[3]!, runsMs, photos }
  } finally {
    store.close()
  }
}

export async function benchRenderer(cacheDir: string, log: (m: string) => void): Promise<Json> {
  // v2: photos carry date sources and places (issue 13).
  const libraryDir = path.join(cacheDir, `renderer-v2-${PHOTOS}`)
  const bareDir = path.join(cacheDir, `renderer-v2-bare-${PHOTOS}`)
  await cachedLibrary(libraryDir, {}, log)
  await cachedLibrary(bareDir, { thumbnails: false, datesAndPlaces: false }, log)
  // Alternating, so that a change of machine load hits both alike.
  const bare: number[] = []
  const full: number[] = []
  for (let round = 0; round < 3; round++) {
    bare.push((await timelineReadMs(bareDir)).medianMs)
    full.push((await timelineReadMs(libraryDir)).medianMs)
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!
  const timelineRead = {
    withoutDatesAndPlacesMs: { rounds: bare, median: median(bare) },
    withDatesAndPlacesMs: { rounds: full, median: median(full) },
    /** (with − without) / without: what the date and place columns add; target ≤ 0.2. */
    added: Math.round(((median(full) - median(bare)) / median(bare)) * 1000) / 1000,
  }
  log(`renderer: timeline read ${JSON.stringify(timelineRead)}`)
  const server = await startServeProcess(libraryDir, { args: ['--no-scan'] })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // GPU off as in the tests: this is a software-rendering figure, a floor for real machines.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  try {
    const runs: number[] = []
    let fps: Json = {}
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      await page.goto(server.url, { waitUntil: 'commit' })
      // The first frame in which grid thumbnails are decoded and on screen.
      const firstPaint = (await page.evaluate(FIRST_PAINT_SCRIPT)) as number
      runs.push(firstPaint)
      const tiles = await page.locator('[data-testid=grid-photo]').count()
      log(`renderer: first grid paint ${firstPaint.toFixed(0)} ms (${tiles} tiles mounted)`)
      if (run === 2) {
        fps = (await page.evaluate(SCROLL_SCRIPT)) as Json
        log(`renderer: scrolling ${JSON.stringify(fps)}`)
      }
      await page.close()
    }
    const sorted = [...runs].sort((a, b) => a - b)
    return {
      photos: PHOTOS,
      browser: `${CHROMIUM} ${browser.version()} (software rendering, --disable-gpu)`,
      firstGridPaintMs: { runs: runs.map((r) => Math.round(r)), median: Math.round(sorted[1]!) },
      scrolling: fps,
      timelineRead,
    }
  } finally {
    await browser.close()
    await server.stop()
  }
}
