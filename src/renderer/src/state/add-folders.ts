/**
 * Adding photo folders (watched roots), shared by the welcome screen, Settings and the File menu: a typed
 * path or the native picker; adding starts indexing at once. Errors land in `error`, in plain words.
 */
import { computed, ref } from 'vue'
import { client, refreshStatus } from './app-state'

export function useAddFolders(onAdded: (added: string[]) => void = () => {}) {
  const folder = ref('')
  const busy = ref(false)
  const error = ref<string | null>(null)
  const picker = client.pickFolder
  const canAdd = computed(() => folder.value.trim().length > 0 && !busy.value)

  async function add(paths: string[]) {
    error.value = null
    busy.value = true
    try {
      const { added } = await client.call('roots.add', paths)
      folder.value = ''
      onAdded(added)
      await refreshStatus()
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    } finally {
      busy.value = false
    }
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
    if (!picker) return
    error.value = null
    try {
      const paths = await picker()
      if (paths.length > 0) await add(paths)
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  return { folder, busy, error, picker, canAdd, add, addTyped, pick }
}

/** The notice after folders were added. */
export function addedMessage(added: string[]): string {
  return added.length === 0
    ? 'That folder is already watched (or inside one that is).'
    : `Watching ${added.join(', ')}: looking for photos now.`
}
