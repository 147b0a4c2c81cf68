/** Streamed file digests: model files are hundreds of MB, so they are never read whole. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Git's blob id (SHA-1 of "blob <size>\0" + content). The Hugging Face Hub reports it as the ETag of
 * small files that are stored in git rather than LFS, so it is what can be checked for them.
 */
export async function gitBlobSha1File(file: string, signal?: AbortSignal): Promise<string> {
  const { size } = await stat(file)
  const hash = createHash('sha1').update(`blob ${size}\0`)
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
