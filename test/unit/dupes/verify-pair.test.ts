/**
 * The pixel-level pair verifier on small generated pictures: every edit the duplicate finder must see through
 * is proven, and pictures that are not edits of each other (another picture, the same shapes recoloured, a
 * much closer framing, a mirror unless asked) are refused.
 */
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createPairVerifier,
  prepareImage,
  verifyPair,
  verifyPrepared,
  type PreparedImage,
} from '../../../src/engine/dupes/verify-pair.js'
import { rng } from './support.js'

const W = 480
const H = 360

/** A picture of random shapes (seeded), with the colours given by `palette`. */
function shapesSvg(seed: number, palette: (k: number) => string): Buffer {
  const random = rng(seed)
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="${palette(0)}"/>`]
  for (let k = 0; k < 70; k++) {
    const x = Math.round(random() * W)
    const y = Math.round(random() * H)
    const s = 8 + Math.round(random() * 40)
    const fill = palette(1 + (k % 5))
    if (random() < 0.5) parts.push(`<circle cx="${x}" cy="${y}" r="${s / 2}" fill="${fill}"/>`)
    else
      parts.push(
        `<rect x="${x}" y="${y}" width="${s}" height="${Math.round(s * (0.5 + random()))}" ` +
          `transform="rotate(${Math.round(random() * 90)} ${x} ${y})" fill="${fill}"/>`,
      )
  }
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`,
  )
}

const WARM = ['#f4e9d8', '#c0392b', '#e67e22', '#8e2b1f', '#f1c40f', '#5d4037']
const COOL = ['#dfe9f4', '#2b6cc0', '#22a6e6', '#1f2b8e', '#0ff1c4', '#37405d']

/** Horizontal stripes of two colours with a few marks (the "same stripes, other colour" case). */
function stripesSvg(a: string, b: string): Buffer {
  const random = rng(7)
  const parts: string[] = []
  for (let y = 0; y < H; y += 24) parts.push(`<rect y="${y}" width="${W}" height="12" fill="${a}"/>`)
  for (let k = 0; k < 40; k++)
    parts.push(
      `<circle cx="${Math.round(random() * W)}" cy="${Math.round(random() * H)}" r="${4 + Math.round(random() * 10)}" fill="${b}"/>`,
    )
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#fff"/>${parts.join('')}</svg>`,
  )
}

async function jpeg(svg: Buffer, quality = 92): Promise<Buffer> {
  return sharp(svg).jpeg({ quality }).toBuffer()
}

const watermark = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` +
    `<text x="${W - 10}" y="${H - 12}" font-family="sans-serif" font-size="30" font-weight="bold" text-anchor="end" ` +
    `fill="white" fill-opacity="0.7" stroke="black" stroke-opacity="0.4">© Example 2025</text></svg>`,
)

let original: Buffer
const edits: Record<string, () => Promise<Buffer>> = {
  'resized to half': () =>
    sharp(original)
      .resize(W / 2, H / 2)
      .jpeg()
      .toBuffer(),
  're-compressed (JPEG q30)': () => sharp(original).jpeg({ quality: 30 }).toBuffer(),
  'cropped to 80 %': () =>
    sharp(original).extract({ left: 48, top: 36, width: 384, height: 288 }).jpeg().toBuffer(),
  'rotated by 5°': async () => {
    const r = await sharp(original)
      .rotate(5, { background: '#000' })
      .raw()
      .toBuffer({ resolveWithObject: true })
    return sharp(r.data, { raw: r.info })
      .extract({
        left: Math.floor((r.info.width - W) / 2),
        top: Math.floor((r.info.height - H) / 2),
        width: W,
        height: H,
      })
      .jpeg()
      .toBuffer()
  },
  'given a white border': () =>
    sharp(original)
      .extend({ top: 18, bottom: 18, left: 24, right: 24, background: '#fff' })
      .jpeg()
      .toBuffer(),
  brightened: () => sharp(original).modulate({ brightness: 1.25 }).jpeg().toBuffer(),
  'given more contrast': () =>
    sharp(original)
      .linear(1.3, -128 * 0.3)
      .jpeg()
      .toBuffer(),
  'turned grayscale': () => sharp(original).grayscale().jpeg().toBuffer(),
  watermarked: () =>
    sharp(original)
      .composite([{ input: watermark }])
      .jpeg()
      .toBuffer(),
  'saved as PNG': () => sharp(original).png().toBuffer(),
}

let prepared: PreparedImage

beforeAll(async () => {
  original = await jpeg(shapesSvg(1, (k) => WARM[k]!))
  prepared = await prepareImage(original)
}, 60_000)

describe('verifyPrepared', () => {
  it.each(Object.keys(edits))('proves a copy %s is the same picture', async (name) => {
    const copy = await prepareImage(await edits[name]!())
    const v = await verifyPrepared(prepared, copy)
    expect(v.near, v.reason).toBe(true)
    expect(v.reason).toMatch(/^Same picture/)
    expect(v.detail).toBeGreaterThan(0.45)
    // Either way round.
    expect((await verifyPrepared(copy, prepared)).near).toBe(true)
  })

  it('reports the fit: scale and rotation of a crop, and the colour check', async () => {
    const rotated = await prepareImage(await edits['rotated by 5°']!())
    const v = await verifyPrepared(prepared, rotated)
    expect(Math.abs(Math.abs(v.rotationDeg!) - 5)).toBeLessThan(1)
    expect(v.inliers).toBeGreaterThanOrEqual(15)
    expect(v.colour).toBe('agree')
    const gray = await verifyPrepared(prepared, await prepareImage(await edits['turned grayscale']!()))
    expect(gray.colour).toBe('grayscale')
  })

  it('refuses another picture', async () => {
    const other = await prepareImage(await jpeg(shapesSvg(2, (k) => WARM[k]!)))
    const v = await verifyPrepared(prepared, other)
    expect(v.near, v.reason).toBe(false)
  })

  it('refuses the same shapes in other colours', async () => {
    const recoloured = await prepareImage(await jpeg(shapesSvg(1, (k) => COOL[k]!)))
    const v = await verifyPrepared(prepared, recoloured)
    expect(v.near, v.reason).toBe(false)
    expect(v.colour).toBe('differs')
  })

  it('refuses stripes of another colour, and proves the same stripes re-saved', async () => {
    const red = await prepareImage(await jpeg(stripesSvg('#d62828', '#1d3557')))
    const blue = await prepareImage(await jpeg(stripesSvg('#1d4ed8', '#1d3557')))
    const again = await prepareImage(await jpeg(stripesSvg('#d62828', '#1d3557'), 50))
    expect((await verifyPrepared(red, blue)).near).toBe(false)
    expect((await verifyPrepared(red, again)).near).toBe(true)
  })

  it('refuses a much closer framing (a third of the picture, enlarged): another shot, not a crop', async () => {
    const closer = await prepareImage(
      await sharp(original)
        .extract({ left: 100, top: 80, width: 264, height: 198 })
        .resize(W, H)
        .jpeg()
        .toBuffer(),
    )
    const v = await verifyPrepared(prepared, closer)
    expect(v.near, v.reason).toBe(false)
    expect(v.reason).toMatch(/Not the same frame/)
  })

  it('finds a mirror only when asked', async () => {
    const mirrored = await prepareImage(await sharp(original).flop().jpeg().toBuffer())
    expect((await verifyPrepared(prepared, mirrored)).near).toBe(false)
    const asked = await verifyPrepared(prepared, mirrored, { mirror: true })
    expect(asked.near, asked.reason).toBe(true)
    expect(asked.mirrored).toBe(true)
  })
})

describe('createPairVerifier', () => {
  it('reads each photo once and judges each pair once, whatever the order', async () => {
    const files = new Map<string, Buffer>([
      ['/a.jpg', original],
      ['/b.jpg', await edits['cropped to 80 %']!()],
      ['/c.jpg', await jpeg(shapesSvg(3, (k) => WARM[k]!))],
    ])
    const reads: string[] = []
    const verify = createPairVerifier({
      readFile: (p) => {
        reads.push(p)
        return Promise.resolve(files.get(p)!)
      },
    })
    const a = { id: 'a', path: '/a.jpg' }
    const b = { id: 'b', path: '/b.jpg' }
    const c = { id: 'c', path: '/c.jpg' }
    const ab = await verify(a, b)
    expect(ab.near).toBe(true)
    expect(await verify(b, a)).toBe(ab)
    expect((await verify(a, c)).near).toBe(false)
    expect(reads.sort()).toEqual(['/a.jpg', '/b.jpg', '/c.jpg'])
  })

  it('says "not near" with the reason when a photo cannot be read or decoded', async () => {
    const verify = createPairVerifier({ readFile: () => Promise.resolve(Buffer.from('not a picture')) })
    const v = await verify({ id: 'x', path: '/x.jpg' }, { id: 'y', path: '/y.jpg' })
    expect(v.near).toBe(false)
    expect(v.reason).toMatch(/Could not read/)
  })
})

it('verifyPair works from bytes', async () => {
  expect((await verifyPair(original, await edits['saved as PNG']!())).near).toBe(true)
})
