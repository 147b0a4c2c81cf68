/**
 * Reads a CLIP model in the folder layout Immich publishes its exports in (immich-app/<model> on the Hub),
 * so that the many CLIP variants shared that way can be imported as Tessera packs:
 *
 *   config.json                  open_clip's model config: embed_dim, text_cfg.context_length
 *   visual/model.onnx            input `image` float32 [1,3,S,S] → `embedding`
 *   visual/preprocess_cfg.json   size, mean, std (interpolation, resize_mode)
 *   textual/model.onnx           input `text` int32 [1,77] → `embedding`     (optional: image-only packs)
 *   textual/tokenizer.json       Hugging Face tokenizer (CLIP's BPE)
 *
 * The folder is turned into a staged pack folder (flat file names and a manifest.json), which then goes
 * through the same verification and atomic install as any custom pack.
 */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { ClipTokenizer, ClipTokenizerError } from '../text/clip-tokenizer.js'
import type { ModelManifest } from '../types.js'
import { sha256File } from './hash.js'
import { MANIFEST_FILE, parseManifest } from './manifest.js'

export const IMMICH_VISUAL = path.join('visual', 'model.onnx')
export const IMMICH_TEXTUAL = path.join('textual', 'model.onnx')

const exists = (file: string) =>
  stat(file).then(
    (s) => s.isFile(),
    () => false,
  )

/** True when `folder` looks like an Immich CLIP export (and has no manifest.json of its own). */
export async function isImmichLayout(folder: string): Promise<boolean> {
  return !(await exists(path.join(folder, MANIFEST_FILE))) && (await exists(path.join(folder, IMMICH_VISUAL)))
}

const rgb = z.tuple([z.number(), z.number(), z.number()])
const preprocessSchema = z.object({
  size: z.union([z.number().int().positive(), z.array(z.number().int().positive()).min(1)]),
  mean: rgb,
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  resize_mode: z.string().optional(),
})
const configSchema = z.object({
  embed_dim: z.number().int().positive(),
  text_cfg: z.object({ context_length: z.number().int().positive().optional() }).passthrough().optional(),
})

export class ImmichPackError extends Error {
  override readonly name = 'ImmichPackError'
}

async function readJson<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is missing' : 'it is not valid JSON'
    throw new ImmichPackError(`This Immich model folder cannot be used: ${what} (${file}) ${why}.`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ImmichPackError(
      `This Immich model folder cannot be used: ${what} (${file}) has ${issue?.path.join('.') || 'a field'} ${issue?.message ?? 'wrong'}.`,
    )
  }
  return parsed.data
}

/** A pack id from the folder's name: "ViT-B-32__openai" → "immich-vit-b-32-openai". */
export function immichPackId(folder: string): string {
  const slug = path
    .basename(path.resolve(folder))
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
  return `immich-${slug || 'clip'}`
}

/**
 * Stages the Immich folder `source` as a flat pack in `staging` (created): visual.onnx, textual.onnx,
 * tokenizer.json and a manifest.json with their sha256s. Returns the manifest.
 */
export async function stageImmichPack(source: string, staging: string): Promise<ModelManifest> {
  const config = await readJson(path.join(source, 'config.json'), configSchema, 'config.json')
  const pre = await readJson(
    path.join(source, 'visual', 'preprocess_cfg.json'),
    preprocessSchema,
    'visual/preprocess_cfg.json',
  )
  const size = Array.isArray(pre.size) ? pre.size[0]! : pre.size
  const hasText = await exists(path.join(source, IMMICH_TEXTUAL))
  const tokenizerSource = path.join(source, 'textual', 'tokenizer.json')
  if (hasText) {
    if (!(await exists(tokenizerSource)))
      throw new ImmichPackError(
        'This Immich model folder has textual/model.onnx but no textual/tokenizer.json.',
      )
    try {
      await ClipTokenizer.loadTokenizerJson(tokenizerSource)
    } catch (err) {
      if (!(err instanceof ClipTokenizerError)) throw err
      throw new ImmichPackError(
        `This Immich model's text tokenizer is not CLIP's byte-level BPE, which is the only one Tessera reads (multilingual exports such as NLLB or XLM-R are not supported): ${err.message}`,
      )
    }
  }

  await mkdir(staging, { recursive: true })
  const copies: Array<[string, string]> = [[path.join(source, IMMICH_VISUAL), 'visual.onnx']]
  if (hasText)
    copies.push([path.join(source, IMMICH_TEXTUAL), 'textual.onnx'], [tokenizerSource, 'tokenizer.json'])
  const files: ModelManifest['files'] = {}
  for (const [from, name] of copies) {
    const to = path.join(staging, name)
    await copyFile(from, to)
    files[name] = { sha256: await sha256File(to), size: (await stat(to)).size }
  }

  const base = path.basename(path.resolve(source))
  const manifest = parseManifest(
    {
      id: immichPackId(source),
      version: `immich-${files['visual.onnx']!.sha256.slice(0, 12)}`,
      name: `${base} (Immich export)`,
      license: 'see the model source',
      source: `Immich-layout CLIP export imported from a folder named ${base}`,
      visual: {
        file: 'visual.onnx',
        inputName: 'image',
        inputSize: size,
        layout: 'NCHW',
        mean: pre.mean,
        std: pre.std,
        outputName: 'embedding',
        dim: config.embed_dim,
        codec: { kind: 'float32' },
      },
      ...(hasText
        ? {
            text: {
              file: 'textual.onnx',
              inputName: 'text',
              inputType: 'int32',
              outputName: 'embedding',
              dim: config.embed_dim,
              contextLength: config.text_cfg?.context_length ?? 77,
              tokenizerFile: 'tokenizer.json',
            },
          }
        : {}),
      files,
    },
    `the manifest made for the Immich folder ${base}`,
  )
  await writeFile(path.join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}
