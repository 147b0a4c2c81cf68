/**
 * `manifest.json` of a model pack: validation with plain-language errors, and the check that the pack's
 * files are exactly the ones the manifest lists (size, then streamed sha256).
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import type { ModelManifest } from '../types.js'
import { sha256File } from './hash.js'

export const MANIFEST_FILE = 'manifest.json'

/** manifest.json is missing, unreadable, not JSON, or does not describe a pack. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError'
  constructor(
    message: string,
    readonly kind: 'missing' | 'invalid-json' | 'invalid',
    readonly file: string,
  ) {
    super(message)
  }
}

/** A file of the pack is missing or differs from what manifest.json says. */
export class PackIntegrityError extends Error {
  override readonly name = 'PackIntegrityError'
  constructor(
    message: string,
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message)
  }
}

/** A name inside the pack folder: no directories, so a manifest can never point outside its pack. */
export function isPlainFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    name !== MANIFEST_FILE
  )
}

const fileName = z.string().refine(isPlainFileName, {
  message: `must be a plain file name inside the pack folder (no folders, not ${MANIFEST_FILE})`,
})
const text = z.string().min(1, 'must not be empty')
const positiveInt = z.number().int('must be a whole number').positive('must be greater than 0')
const rgb = z.tuple([z.number(), z.number(), z.number()])
const positiveRgb = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()])

const codecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('uint8-affine'),
    scale: z.number().positive('must be greater than 0'),
    zeroPoint: z.number().int().min(0).max(255),
  }),
  z.object({ kind: z.literal('float32') }),
])

const fileEntry = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256: 64 lower-case hexadecimal characters'),
  size: z.number().int().nonnegative(),
})

export const manifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
    version: text,
    name: text,
    license: text,
    source: text,
    visual: z.object({
      file: fileName,
      inputName: text,
      inputSize: positiveInt,
      layout: z.enum(['NCHW', 'NHWC']),
      mean: rgb,
      std: positiveRgb,
      outputName: text,
      dim: positiveInt,
      codec: codecSchema,
    }),
    text: z
      .object({
        file: fileName,
        inputName: text,
        outputName: text,
        dim: positiveInt,
        contextLength: positiveInt,
        inputType: z.enum(['int64', 'int32']).optional(),
        tokenizerFile: fileName.optional(),
        vocabFile: fileName.optional(),
        mergesFile: fileName.optional(),
      })
      .optional(),
    files: z.record(z.string(), fileEntry),
  })
  .superRefine((m, ctx) => {
    for (const name of Object.keys(m.files)) {
      if (!isPlainFileName(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['files', name],
          message: 'must be a plain file name inside the pack folder',
        })
      }
    }
    const referenced: Array<[string[], string]> = [[['visual', 'file'], m.visual.file]]
    if (m.text) {
      referenced.push([['text', 'file'], m.text.file])
      const { tokenizerFile, vocabFile, mergesFile } = m.text
      if (tokenizerFile !== undefined) referenced.push([['text', 'tokenizerFile'], tokenizerFile])
      if (vocabFile !== undefined) referenced.push([['text', 'vocabFile'], vocabFile])
      if (mergesFile !== undefined) referenced.push([['text', 'mergesFile'], mergesFile])
      if (tokenizerFile === undefined && (vocabFile === undefined || mergesFile === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['text'],
          message: 'needs "tokenizerFile" (tokenizer.json) or both "vocabFile" and "mergesFile"',
        })
      }
    }
    for (const [where, name] of referenced) {
      if (!(name in m.files))
        ctx.addIssue({ code: 'custom', path: where, message: `"${name}" is not listed in "files"` })
    }
  }) satisfies z.ZodType<ModelManifest>

function formatPath(p: readonly PropertyKey[]): string {
  if (p.length === 0) return '(top level)'
  return p.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`
    const k = String(key)
    return /^[A-Za-z_$][\w$]*$/.test(k) ? (acc ? `${acc}.${k}` : k) : `${acc}["${k}"]`
  }, '')
}

/** Validates parsed JSON; `where` names the source in the error ("manifest.json in /x"). */
export function parseManifest(value: unknown, where = MANIFEST_FILE): ModelManifest {
  const result = manifestSchema.safeParse(value)
  if (result.success) return result.data
  const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)
  throw new ManifestError(
    `${where} is not a valid model pack manifest: ${problems.join('; ')}`,
    'invalid',
    where,
  )
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  const file = path.join(dir, MANIFEST_FILE)
  let raw: string
  try {
    raw = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`
    throw new ManifestError(`The model pack manifest ${file} ${why}.`, 'missing', file)
  }
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (err) {
    throw new ManifestError(
      `The model pack manifest ${file} is not valid JSON: ${(err as Error).message}`,
      'invalid-json',
      file,
    )
  }
  return parseManifest(json, file)
}

/** Checks every file the manifest lists: present, right size, right sha256. Throws on the first problem. */
export async function verifyPackFiles(
  dir: string,
  manifest: ModelManifest,
  signal?: AbortSignal,
): Promise<void> {
  for (const [name, want] of Object.entries(manifest.files)) {
    const file = path.join(dir, name)
    let size: number
    try {
      size = (await stat(file)).size
    } catch {
      throw new PackIntegrityError(`Pack file ${name} is missing from ${dir}.`, name, want.sha256, 'missing')
    }
    // Size first: a truncated file is reported without hashing hundreds of MB.
    if (size !== want.size) {
      throw new PackIntegrityError(
        `Pack file ${name} in ${dir} has the wrong size: expected ${want.size} bytes, found ${size}.`,
        name,
        String(want.size),
        String(size),
      )
    }
    const actual = await sha256File(file, signal)
    if (actual !== want.sha256) {
      throw new PackIntegrityError(
        `Pack file ${name} in ${dir} is corrupt: expected sha256 ${want.sha256}, got ${actual}.`,
        name,
        want.sha256,
        actual,
      )
    }
  }
}
