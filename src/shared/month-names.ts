/** English month names, January first: the one table every date label (engine and interface) uses. */
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const

/** "Jan" … "Dec". */
export const SHORT_MONTH_NAMES = MONTH_NAMES.map((m) => m.slice(0, 3))
