#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so the engine ships as one source of truth.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
