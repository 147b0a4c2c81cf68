/** The Duplicates view's choices, kept while the app runs (leaving the view and coming back keeps them). */
import { reactive } from 'vue'
import type { DupeLevel } from '../../../../shared/contract'

export const dupePrefs = reactive({
  tab: 'duplicates' as 'duplicates' | 'similar',
  level: 'normal' as DupeLevel,
  /** Also find left-right mirrored copies (off unless the user asks). */
  mirror: false,
})
