import { describe, expect, it } from 'vitest'
import { methods } from '../../../src/shared/contract.js'
import type { HostContext } from '../../../src/host/handlers/context.js'
import { DOMAINS, createHandlers } from '../../../src/host/handlers/index.js'

/** Building handlers only captures the context; none is called here, so an empty one will do. */
const context = {} as HostContext

describe('host handlers by domain', () => {
  it('gives every contract method to exactly one domain', () => {
    const owners = new Map<string, string[]>()
    for (const domain of DOMAINS) {
      for (const method of Object.keys(domain(context))) {
        owners.set(method, [...(owners.get(method) ?? []), domain.name])
      }
    }
    const shared = [...owners].filter(([, by]) => by.length > 1)
    expect(shared).toEqual([])
    expect([...owners.keys()].sort()).toEqual(Object.keys(methods).sort())
  })

  it('combines every domain in one place', () => {
    const handlers = createHandlers(context)
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(methods).sort())
    for (const handler of Object.values(handlers)) expect(typeof handler).toBe('function')
  })

  it('keeps each domain to its own prefixes', () => {
    const prefixes = DOMAINS.map((domain) => [
      domain.name,
      [...new Set(Object.keys(domain(context)).map((m) => m.split('.')[0]))].sort(),
    ])
    expect(Object.fromEntries(prefixes)).toEqual({
      libraryHandlers: ['index', 'library', 'roots'],
      searchHandlers: ['search'],
      dupesHandlers: ['dupes', 'trash'],
      albumsHandlers: ['albums'],
      trainingHandlers: ['heads', 'train'],
      modelsHandlers: ['models'],
      mapHandlers: ['groups', 'map'],
      settingsHandlers: ['app', 'settings'],
      foldersHandlers: ['fs'],
    })
  })
})
