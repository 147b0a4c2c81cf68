/**
 * Adding photo folders (watched roots), shared by the welcome screen, Settings and the File menu: a typed
 * path, the native picker (Electron) or the server's folder browser (browser mode); adding starts indexing
 * at once. Errors land in `error`, in plain words. The whole home folder or the disk's root need a
 * confirmation (`needsConfirm`), as the engine asks.
 */
import { computed, ref } from 'vue'
import { EngineError } from '../client/engine-client'
import { client, refreshStatus } from './app-state'

export function useAddFolders(onAdded: (added: string[]) => void = () => {}) {
  const folder = ref('')
  const busy = ref(false)
  const error = ref<string | null>(null)
  /** Folders the engine wants confirmed before watching them (the home folder, the root), and why. */
  const needsConfirm = ref<{ paths: string[]; message: string } | null>(null)
  /** Browser mode's folder dialog is open. */
  const browsing = ref(false)
  const picker = client.pickFolder
  const canAdd = computed(() => folder.value.trim().length > 0 && !busy.value)

  async function add(paths: string[], confirm = false) {
    error.value = null
    needsConfirm.value = null
    busy.value = true
    try {
      // (No undefined argument: it would cross the wire as null.)
      const { added } = await (confirm
        ? client.call('roots.add', paths, { confirm: true })
        : client.call('roots.add', paths))
      folder.value = ''
      onAdded(added)
      await refreshStatus()
    } catch (e) {
      if (e instanceof EngineError && e.code === 'needs-confirmation')
        needsConfirm.value = { paths, message: e.message }
      else error.value = e instanceof Error ? e.message : String(e)
    } finally {
      busy.value = false
    }
  }

  async function confirmAdd() {
    const pending = needsConfirm.value
    if (pending) await add(pending.paths, true)
  }

  async function addTyped() {
    const path = folder.value.trim()
    if (!path) return
    if (path.startsWith('~')) {
      error.value =
        'Type the full path of the folder (for example /home/you/Pictures): "~" is not expanded here.'
      return
    }
    await add([path])
  }

  async function pick() {
    if (!picker) {
      browsing.value = true // browser mode: the server lists the folders
      return
    }
    error.value = null
    try {
      const paths = await picker()
      if (paths.length > 0) await add(paths)
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  /** The folder chosen in the browser dialog. */
  async function chosen(path: string) {
    browsing.value = false
    await add([path])
  }

  return {
    folder,
    busy,
    error,
    picker,
    canAdd,
    add,
    addTyped,
    pick,
    browsing,
    chosen,
    needsConfirm,
    confirmAdd,
  }
}

/** The notice after folders were added. */
export function addedMessage(added: string[]): string {
  return added.length === 0
    ? 'That folder is already watched (or inside one that is).'
    : `Watching ${added.join(', ')}: looking for photos now.`
}
