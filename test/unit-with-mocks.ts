/**
 * The unit test files that mock a module (`vi.mock`). The unit tier runs without per-file isolation
 * (vitest.config.ts), so a module mock would reach the other files of its worker, or miss a module they
 * loaded first: these files run in the isolated 'unit-isolated' project instead. A unit test checks that
 * every file calling vi.mock is listed here (test/unit/suite/isolation.test.ts).
 */
export const UNIT_WITH_MOCKS = [
  'test/unit/renderer/search-actions.test.ts',
  'test/unit/shell/preload.test.ts',
]
