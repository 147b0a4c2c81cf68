import { describe, expect, it } from 'vitest'
import { BusyError } from '../../../src/host/call-gate'
import { FolderRefusedError } from '../../../src/engine/library/folder-policy'
import { ContractError } from '../../../src/shared/contract'
import { toWireError } from '../../../src/shared/wire-errors'

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: -2, syscall: 'open' })
}

describe('toWireError', () => {
  it('keeps the message and code of errors written for the user', () => {
    expect(toWireError(new ContractError('No such album.', 'not-found'))).toEqual({
      message: 'No such album.',
      code: 'not-found',
    })
    expect(toWireError(new BusyError())).toMatchObject({ code: 'busy' })
    const refused = new FolderRefusedError(
      'Cannot add /etc: it is a system folder, not a photos folder.',
      'system-folder',
    )
    expect(toWireError(refused, { internalDirs: ['/etc'] })).toEqual({
      message: 'Cannot add /etc: it is a system folder, not a photos folder.',
      code: 'system-folder',
    })
  })

  it('turns operating-system errors into stable codes without the path', () => {
    const enoent = systemError('ENOENT', "ENOENT: no such file or directory, open '/lib/x/thumbs/ab/cd.webp'")
    expect(toWireError(enoent)).toEqual({ code: 'not-found', message: expect.not.stringContaining('/') })
    expect(toWireError(systemError('EACCES', 'EACCES: permission denied, open /x'))).toMatchObject({
      code: 'permission-denied',
    })
    expect(toWireError(systemError('ENOSPC', 'ENOSPC: no space left on device, write'))).toMatchObject({
      code: 'disk-full',
    })
    expect(toWireError(systemError('EMFILE', 'EMFILE: too many open files, open /x'))).toMatchObject({
      code: 'busy',
    })
    expect(toWireError(systemError('EXDEV', 'EXDEV: cross-device link, rename /a -> /b'))).toEqual({
      code: 'io-error',
      message: 'A file could not be read or written.',
    })
  })

  it('never sends a database or native error text: the 10,000-calls failure reads "busy"', () => {
    const lance = new Error(
      'lance error: LanceError(IO): Generic LocalFileSystem error: Unable to open file /lib/db/photos.lance/data/x.lance: Too many open files (os error 24), /home/runner/.cargo/registry/src/lance-io/src/local.rs:120:31',
    )
    expect(toWireError(lance)).toEqual({
      code: 'busy',
      message: 'Tessera is busy (too many files open): try again in a moment.',
    })
    const other = toWireError(new Error('lance error: Invalid user input: Schema error: No field named x'))
    expect(other.code).toBe('storage-error')
    expect(other.message).not.toMatch(/lance|schema|field/i)
    expect(
      toWireError(new Error('Failed to load model because protobuf parsing failed. onnxruntime')),
    ).toMatchObject({
      code: 'storage-error',
    })
  })

  it('programming errors are "internal", with no stack and no text of their own', () => {
    const e = new TypeError("Cannot read properties of undefined (reading 'path')")
    expect(toWireError(e)).toEqual({ code: 'internal', message: 'Something went wrong inside Tessera.' })
    expect(toWireError(undefined)).toMatchObject({ code: 'internal' })
    expect(toWireError({ weird: true })).toMatchObject({ code: 'internal' })
    expect(toWireError(new Error(''))).toMatchObject({ code: 'internal' })
  })

  it('engine sentences pass, first line only, without paths inside the library or the app', () => {
    expect(toWireError(new Error('The disk is full.'))).toEqual({
      code: 'engine-error',
      message: 'The disk is full.',
    })
    const e = new Error(
      'Could not write /data/lib/heads/h-3.json: it is locked\n    at write (file:///app/x.js:1:2)',
    )
    expect(toWireError(e, { internalDirs: ['/data/lib'] })).toEqual({
      code: 'engine-error',
      message: 'Could not write (a Tessera file): it is locked',
    })
    const coded = Object.assign(new Error('No text tower in this model.'), { code: 'no-text-tower' })
    expect(toWireError(coded)).toEqual({ code: 'no-text-tower', message: 'No text tower in this model.' })
    expect(toWireError(new Error('x'.repeat(5000))).message.length).toBeLessThanOrEqual(500)
    expect(toWireError('plain text')).toEqual({ code: 'engine-error', message: 'plain text' })
  })

  it('a ContractError carrying internal text is not passed through', () => {
    expect(toWireError(new ContractError('lance error: boom', 'engine-error'))).toMatchObject({
      code: 'storage-error',
    })
  })
})
