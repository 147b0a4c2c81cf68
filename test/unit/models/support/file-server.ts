/**
 * A static file server on 127.0.0.1 (random port) for download tests, with the misbehaviours the
 * downloader must survive: a connection cut mid-file, Range requests ignored, checksum headers.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

export interface ServedRequest {
  method: string
  path: string
  range: string | undefined
  status: number
}

export interface FileServerOptions {
  /** Answer every GET with the whole file (200), whatever Range says. */
  ignoreRange?: boolean
  /** Cut the connection of the first GET of these files after this many body bytes. */
  cutAfter?: Record<string, number>
  /** HEAD answers: a redirect carrying these headers, like the Hugging Face Hub's resolve URLs. */
  headHeaders?: (file: string) => Record<string, string> | undefined
}

export interface FileServer {
  url: string
  requests: ServedRequest[]
  close(): Promise<void>
}

export async function startFileServer(root: string, opts: FileServerOptions = {}): Promise<FileServer> {
  const requests: ServedRequest[] = []
  const cutsDone = new Set<string>()

  const server = http.createServer((req, res) => {
    void (async () => {
      const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '')
      const file = path.join(root, rel)
      const record = (status: number) =>
        requests.push({ method: req.method ?? 'GET', path: `/${rel}`, range: req.headers.range, status })
      const info = await stat(file).catch(() => undefined)
      if (!info?.isFile() || !file.startsWith(root)) {
        record(404)
        res.writeHead(404).end('not found')
        return
      }
      if (req.method === 'HEAD') {
        const extra = opts.headHeaders?.(rel)
        record(extra ? 302 : 200)
        if (extra) res.writeHead(302, { location: `/${rel}`, ...extra }).end()
        else res.writeHead(200, { 'content-length': info.size }).end()
        return
      }

      let start = 0
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
      if (m && !opts.ignoreRange) {
        start = Number(m[1])
        if (start >= info.size) {
          record(416)
          res.writeHead(416, { 'content-range': `bytes */${info.size}` }).end()
          return
        }
        record(206)
        res.writeHead(206, {
          'content-length': info.size - start,
          'content-range': `bytes ${start}-${info.size - 1}/${info.size}`,
          'accept-ranges': 'bytes',
        })
      } else {
        record(200)
        res.writeHead(200, { 'content-length': info.size })
      }

      const cut = opts.cutAfter?.[rel]
      if (cut !== undefined && !cutsDone.has(rel)) {
        cutsDone.add(rel)
        let sent = 0
        const stream = createReadStream(file, { start })
        stream.on('data', (chunk) => {
          const buf = chunk as Buffer
          const room = cut - sent
          if (buf.length < room) {
            sent += buf.length
            res.write(buf)
            return
          }
          stream.destroy()
          // Cut a moment after the last bytes are flushed: a client stream that errors drops what it
          // has not read yet, and the tests want the client to hold exactly `cut` bytes.
          res.write(buf.subarray(0, room), () => setTimeout(() => res.socket?.destroy(), 100))
        })
        return
      }
      createReadStream(file, { start }).pipe(res)
    })()
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port on 127.0.0.1 that nothing listens on: connecting to it is refused, like being offline. */
export async function closedPort(): Promise<number> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
