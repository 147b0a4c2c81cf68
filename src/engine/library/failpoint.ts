/**
 * Crash testing: when TESSERA_FAILPOINT names this point, the process kills itself with SIGKILL right
 * here, as a power cut or `kill -9` would, so tests can crash exactly between two steps that must be
 * atomic together. Inert otherwise (one environment lookup).
 */
export function failpoint(name: string): void {
  if (process.env.TESSERA_FAILPOINT === name) process.kill(process.pid, 'SIGKILL')
}
