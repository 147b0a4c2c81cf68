/**
 * Something read from the engine for a view (the trash, the problems), read when the view opens and again
 * whenever the library changes. A failure lands in `error`, in plain words; the last value stays.
 */
import { onMounted, ref, shallowRef, watch } from 'vue'
import { state } from './app-state'

export function useLibraryData<T>(read: () => Promise<T>) {
  /** Null until the first read. */
  const data = shallowRef<T | null>(null)
  const error = ref<string | null>(null)

  async function load() {
    try {
      data.value = await read()
      error.value = null
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  onMounted(load)
  watch(() => state.libraryVersion, load)
  return { data, error, load }
}
