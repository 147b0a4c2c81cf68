/**
 * The capture date hidden in a photo's file name, for the many images without EXIF: phone cameras
 * (`IMG_20190513_101010.jpg`, Pixel `PXL_20190513_101010123.jpg`, Samsung `20190513_101010.jpg`), WhatsApp
 * (`IMG-20200102-WA0001.jpg`, `WhatsApp Image 2020-01-02 at 10.10.10.jpeg`), Dropbox camera uploads
 * (`2018-08-15 14.22.10.jpg`), screenshots (`Screenshot_20200102-101010.png`, `Screenshot 2020-01-02 at
 * 10.10.10.png`, `Screen Shot 2020-01-02 at 1.10.10 PM.png`), Signal (`signal-2020-01-02-101010.jpg`),
 * Telegram (`photo_2020-01-02_10-10-10.jpg`), `VID_`/`DSC_`/`MVIMG_`… variants of the same.
 *
 * Pure: no clock, no file system (the caller passes "now" to refuse dates in the future). Impossible dates
 * (month 13, February 30, hour 25) and implausible ones (before 1900, or a bare 8-digit number before
 * 1970, after now) give null: a wrong date is worse than none, the file time follows.
 */

export interface FileNameDate {
  /**
   * ISO 8601 local wall-clock time, like EXIF without an offset (`2019-05-13T10:10:10`); with `Z` when the
   * name is known to be in UTC (Pixel's `PXL_`). A name with a day only gives midnight.
   */
  takenAt: string
  /** The name held a time of day, not only a day. */
  hasTime: boolean
}

interface Parts {
  year: number
  month: number
  day: number
  hour?: number
  minute?: number
  second?: number
  millis?: string
}

const SPACE = '[ \\u00a0\\u202f]' // macOS puts a narrow no-break space before AM/PM
const NOT_DIGIT_BEFORE = '(?<!\\d)'
const NOT_DIGIT_AFTER = '(?!\\d)'

/** YYYYMMDD, optionally followed by a compact or separated time: camera, Pixel, Samsung, screenshots. */
const COMPACT = new RegExp(
  `${NOT_DIGIT_BEFORE}(\\d{4})(\\d{2})(\\d{2})` +
    `(?:[_\\- T](\\d{2})(\\d{2})(\\d{2})(\\d{0,3})|[_\\- T](\\d{2})[.\\-:_](\\d{2})[.\\-:_](\\d{2}))?` +
    NOT_DIGIT_AFTER,
)

/**
 * YYYY-MM-DD (or with _ or .), optionally followed by a time, compact (101010) or separated (10.10.10,
 * 10-10-10, 10:10:10, 1.10.10 PM), after a space, _, -, T or " at ".
 */
const SEPARATED = new RegExp(
  `${NOT_DIGIT_BEFORE}(\\d{4})([\\-_.])(\\d{2})\\2(\\d{2})` +
    `(?:(?:${SPACE}at${SPACE}|[ _\\-T])` +
    `(?:(\\d{2})(\\d{2})(\\d{2})(?:[\\-.]?(\\d{1,3}))?|(\\d{1,2})([.\\-:_])(\\d{2})\\10(\\d{2})(?:${SPACE}?([AaPp][Mm]))?))?` +
    NOT_DIGIT_AFTER,
)

/** Facebook / Messenger downloads: `FB_IMG_1578000000000.jpg`, milliseconds since the epoch (UTC). */
const EPOCH_MS = /^(?:FB_IMG_|received_)(\d{13})(?!\d)/i

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

function valid(p: Parts): boolean {
  const { year, month, day, hour = 0, minute = 0, second = 0 } = p
  return (
    Number.isInteger(year) &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59
  )
}

function format(p: Parts, utc: boolean): FileNameDate {
  const hasTime = p.hour !== undefined
  let iso = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour ?? 0)}:${pad(p.minute ?? 0)}:${pad(p.second ?? 0)}`
  if (p.millis) iso += `.${p.millis.padEnd(3, '0')}`
  if (utc && hasTime) iso += 'Z'
  return { takenAt: iso, hasTime }
}

/** Whether the wall-clock time `p` (read as UTC, give or take a day for zones) is after `nowMs`. */
function inFuture(p: Parts, nowMs: number): boolean {
  const t = Date.UTC(p.year, p.month - 1, p.day, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
  return t > nowMs + 86_400_000
}

function stem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(0, dot) : base
}

function twelveHour(hour: number, meridiem: string | undefined): number {
  if (!meridiem) return hour
  if (hour < 1 || hour > 12) return -1
  const pm = meridiem.toLowerCase() === 'pm'
  return (hour % 12) + (pm ? 12 : 0)
}

function fromSeparated(m: RegExpExecArray): Parts {
  const [year, month, day] = [Number(m[1]), Number(m[3]), Number(m[4])]
  if (m[5] !== undefined)
    return { year, month, day, hour: Number(m[5]), minute: Number(m[6]), second: Number(m[7]), millis: m[8] }
  if (m[9] !== undefined)
    return {
      year,
      month,
      day,
      hour: twelveHour(Number(m[9]), m[13]),
      minute: Number(m[11]),
      second: Number(m[12]),
    }
  return { year, month, day }
}

function fromCompact(m: RegExpExecArray): Parts {
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (m[4] !== undefined)
    return {
      year,
      month,
      day,
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
      millis: m[7] || undefined,
    }
  if (m[8] !== undefined)
    return { year, month, day, hour: Number(m[8]), minute: Number(m[9]), second: Number(m[10]) }
  return { year, month, day }
}

/**
 * The date in a file name (a path is fine: only its last part is read), or null when it holds none that is
 * possible. `nowMs` bounds it from above (default: the current time).
 */
export function dateFromFileName(fileName: string, nowMs: number = Date.now()): FileNameDate | null {
  const name = stem(fileName)
  const epoch = EPOCH_MS.exec(name)
  if (epoch) {
    const ms = Number(epoch[1])
    if (ms < Date.UTC(2004, 0, 1) || ms > nowMs + 86_400_000) return null
    return { takenAt: new Date(ms).toISOString(), hasTime: true }
  }
  const utc = /^PXL_/i.test(name) // Pixel names its files in UTC

  // Separated forms first (YYYY-MM-DD): a day never reads as anything else. Every candidate is tried in
  // turn, so "2019-13-45 copy 2020-01-02" still finds the possible one.
  for (const [pattern, parse, minYear] of [
    [SEPARATED, fromSeparated, 1900],
    [COMPACT, fromCompact, 1970],
  ] as const) {
    const re = new RegExp(pattern.source, 'g')
    for (let m = re.exec(name); m; m = re.exec(name)) {
      const parts = parse(m)
      if (parts.year < minYear || !valid(parts) || inFuture(parts, nowMs)) {
        re.lastIndex = m.index + 1
        continue
      }
      return format(parts, utc)
    }
  }
  return null
}
