/**
 * Renders the app icons from resources/icon.svg (npm run icons): what electron-builder needs for each
 * platform, written with sharp and by hand (ICO and ICNS are simple containers of PNGs).
 *
 *   resources/icon.png           1024 × 1024 (electron-builder's default, at least 512 × 512)
 *   resources/icon.icns          macOS: PNGs 16 … 1024 (ic04 … ic10)
 *   resources/icon.ico           Windows: PNGs 16 … 256
 *   resources/icons/NxN.png      Linux (AppImage, deb): 16 … 512
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

const RESOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources')

async function png(svg: Buffer, size: number): Promise<Buffer> {
  return sharp(svg, { density: Math.max(72, (72 * size) / 1024) * 4 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toBuffer()
}

/** An ICO file whose images are PNGs (Windows Vista and later read them). */
export function ico(images: Array<{ size: number; data: Buffer }>): Buffer {
  const header = Buffer.alloc(6)
  header.writeUInt16LE(0, 0) // reserved
  header.writeUInt16LE(1, 2) // type: icon
  header.writeUInt16LE(images.length, 4)
  const entries: Buffer[] = []
  let offset = 6 + 16 * images.length
  for (const { size, data } of images) {
    const e = Buffer.alloc(16)
    e.writeUInt8(size >= 256 ? 0 : size, 0) // 0 means 256
    e.writeUInt8(size >= 256 ? 0 : size, 1)
    e.writeUInt8(0, 2) // no palette
    e.writeUInt8(0, 3)
    e.writeUInt16LE(1, 4) // colour planes
    e.writeUInt16LE(32, 6) // bits per pixel
    e.writeUInt32LE(data.length, 8)
    e.writeUInt32LE(offset, 12)
    offset += data.length
    entries.push(e)
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.data)])
}

/** ICNS chunk types that hold PNG data, by pixel size. */
const ICNS_TYPES: Array<[string, number]> = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
]

export function icns(images: Map<number, Buffer>): Buffer {
  const chunks: Buffer[] = []
  for (const [type, size] of ICNS_TYPES) {
    const data = images.get(size)
    if (!data) continue
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(8 + data.length, 4)
    chunks.push(head, data)
  }
  const body = Buffer.concat(chunks)
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(8 + body.length, 4)
  return Buffer.concat([head, body])
}

async function main(): Promise<void> {
  const svg = await fs.readFile(path.join(RESOURCES, 'icon.svg'))
  const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024]
  const pngs = new Map<number, Buffer>()
  for (const size of sizes) pngs.set(size, await png(svg, size))
  await fs.writeFile(path.join(RESOURCES, 'icon.png'), pngs.get(1024)!)
  await fs.writeFile(path.join(RESOURCES, 'icon.icns'), icns(pngs))
  await fs.writeFile(
    path.join(RESOURCES, 'icon.ico'),
    ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, data: pngs.get(size)! }))),
  )
  await fs.mkdir(path.join(RESOURCES, 'icons'), { recursive: true })
  for (const size of [16, 32, 48, 64, 128, 256, 512])
    await fs.writeFile(path.join(RESOURCES, 'icons', `${size}x${size}.png`), pngs.get(size)!)
  console.log(`Icons written to ${path.relative(process.cwd(), RESOURCES)}/`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
