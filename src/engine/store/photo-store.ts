import * as lancedb from '@lancedb/lancedb'
import * as arrow from 'apache-arrow'

/** Width of the embedding every head produces (the GUIE recipe's Dense(64)). */
export const EMBEDDING_DIMS = 64

/**
 * ok: indexed. failed: could not be read (see error). trashed: moved to the OS trash by Tessera; the row
 * keeps the photo's identity, albums and features so that an undo brings it back intact.
 */
export type PhotoStatus = 'ok' | 'failed' | 'trashed'

/** One file of the library, the row of the `photos` table. */
export interface PhotoRow {
  /** Stable identity: survives renames and moves (matched by content hash). */
  id: string
  path: string
  root: string
  size: number
  mtimeMs: number
  /** sha256 of the content; null when the file could not be read at all. */
  hash: string | null
  status: PhotoStatus
  errorCode: string | null
  /** Plain-language reason when status is failed. */
  error: string | null
  format: string | null
  width: number | null
  height: number | null
  takenAt: string | null
  /**
   * Where takenAt came from: 'exif' (DateTimeOriginal), 'exif-other' (another EXIF/XMP date), 'filename'
   * (a date in the file's name), 'mtime' (the file's modification time); null when nothing is known.
   */
  dateSource: string | null
  cameraMake: string | null
  cameraModel: string | null
  latitude: number | null
  longitude: number | null
  altitude: number | null
  /** Reverse-geocoded place of latitude/longitude (offline dataset); null without GPS. */
  placeCity: string | null
  placeCountry: string | null
  /** Labels the backbone's classifier gave this photo (JSON, written by the labelling step); null until known. */
  labels: string | null
  phash: string | null
  dhash: string | null
  /** The backbone feature, as the pack's codec stores it (1280 bytes for the default pack). */
  feature: Uint8Array | null
  /** `packId@version` that produced `feature`; null while the embedding is pending. */
  featureModel: string | null
  embedding: Float32Array | null
  /** The head that produced `embedding`. */
  headVersion: string | null
  indexedAt: number
}

/** A row with nothing known yet but where the file is: every other column empty (null). */
export function blankPhotoRow(file: Pick<PhotoRow, 'id' | 'path' | 'root' | 'size' | 'mtimeMs'>): PhotoRow {
  return {
    ...file,
    hash: null,
    status: 'ok',
    errorCode: null,
    error: null,
    format: null,
    width: null,
    height: null,
    takenAt: null,
    dateSource: null,
    cameraMake: null,
    cameraModel: null,
    latitude: null,
    longitude: null,
    altitude: null,
    placeCity: null,
    placeCountry: null,
    labels: null,
    phash: null,
    dhash: null,
    feature: null,
    featureModel: null,
    embedding: null,
    headVersion: null,
    indexedAt: Date.now(),
  }
}

/** The light columns a scan needs to decide what changed. */
export type IndexState = Pick<
  PhotoRow,
  | 'id'
  | 'path'
  | 'root'
  | 'size'
  | 'mtimeMs'
  | 'hash'
  | 'status'
  | 'errorCode'
  | 'featureModel'
  | 'headVersion'
>

const INDEX_STATE_COLUMNS = [
  'id',
  'path',
  'root',
  'size',
  'mtimeMs',
  'hash',
  'status',
  'errorCode',
  'featureModel',
  'headVersion',
]

/**
 * A string column as an array, read from Arrow's buffers directly (Vector.toArray goes through a getter and a
 * TextDecoder call per value). In a `repeated` column (few distinct values) a value equal byte for byte to
 * the previous one reuses its string: 100,000 rows of one root make one string, not 100,000 for the GC.
 */
function stringColumn(vector: arrow.Vector, repeated: boolean): Array<string | null> {
  if (vector.type.typeId !== arrow.Type.Utf8) return Array.from(vector.toArray() as ArrayLike<string | null>)
  const out = new Array<string | null>(vector.length)
  let o = 0
  for (const data of vector.data) {
    const offsets = data.valueOffsets as Int32Array
    const values = data.values as Uint8Array
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength)
    const validity = data.nullCount > 0 ? data.nullBitmap : undefined
    let prev: string | null = null
    let prevStart = 0
    let prevEnd = 0
    for (let i = 0; i < data.length; i++, o++) {
      const bit = data.offset + i
      if (validity && ((validity[bit >> 3]! >> (bit & 7)) & 1) === 0) {
        out[o] = null
        continue
      }
      const start = offsets[i]!
      const end = offsets[i + 1]!
      if (
        !repeated ||
        prev === null ||
        end - start !== prevEnd - prevStart ||
        bytes.compare(bytes, prevStart, prevEnd, start, end) !== 0
      ) {
        prev = bytes.toString('utf8', start, end)
        prevStart = start
        prevEnd = end
      }
      out[o] = prev
    }
  }
  return out
}

const utf8 = (name: string, nullable = true) => new arrow.Field(name, new arrow.Utf8(), nullable)
const f64 = (name: string, nullable = true) => new arrow.Field(name, new arrow.Float64(), nullable)

export const photoSchema = new arrow.Schema([
  utf8('id', false),
  utf8('path', false),
  utf8('root', false),
  f64('size', false),
  f64('mtimeMs', false),
  utf8('hash'),
  utf8('status', false),
  utf8('errorCode'),
  utf8('error'),
  utf8('format'),
  new arrow.Field('width', new arrow.Int32(), true),
  new arrow.Field('height', new arrow.Int32(), true),
  utf8('takenAt'),
  utf8('dateSource'),
  utf8('cameraMake'),
  utf8('cameraModel'),
  f64('latitude'),
  f64('longitude'),
  f64('altitude'),
  utf8('placeCity'),
  utf8('placeCountry'),
  utf8('labels'),
  utf8('phash'),
  utf8('dhash'),
  new arrow.Field('feature', new arrow.Binary(), true),
  utf8('featureModel'),
  new arrow.Field(
    'embedding',
    new arrow.FixedSizeList(EMBEDDING_DIMS, new arrow.Field('item', new arrow.Float32(), true)),
    true,
  ),
  utf8('headVersion'),
  f64('indexedAt', false),
])

/** Quotes a string for a Lance SQL filter. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

function idList(ids: readonly string[]): string {
  return ids.map(sqlString).join(', ')
}

/** Keeps IN (...) filters to a sane length. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function toRecord(row: Partial<PhotoRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row }
  if (row.embedding) out.embedding = Array.from(row.embedding)
  if (row.feature)
    out.feature = Buffer.from(row.feature.buffer, row.feature.byteOffset, row.feature.byteLength)
  return out
}

function fromRecord(record: Record<string, unknown>): PhotoRow {
  const row = { ...record } as unknown as PhotoRow
  const embedding = record.embedding as ArrayLike<number> | null | undefined
  row.embedding = embedding ? Float32Array.from(embedding) : null
  const feature = record.feature as Uint8Array | null | undefined
  row.feature = feature ? new Uint8Array(feature) : null
  return row
}

/**
 * Libraries made by an older Tessera lack the newer columns: add them, empty (null), in one commit. Lance
 * adds a column without rewriting the data, and a crash leaves the table with or without it, never half.
 * Only nullable columns are ever added, so old rows stay valid.
 */
async function addMissingColumns(table: lancedb.Table): Promise<void> {
  const have = new Set((await table.schema()).fields.map((f) => f.name))
  const missing = photoSchema.fields.filter((f) => !have.has(f.name))
  if (missing.length === 0) return
  if (missing.some((f) => !f.nullable))
    throw new Error(`photos table lacks required columns: ${missing.map((f) => f.name).join(', ')}`)
  // As SQL: the Field/Schema overloads check `instanceof` against lancedb's own copy of Arrow.
  const sqlType = (f: arrow.Field): string => {
    if (f.type.typeId === arrow.Type.Utf8) return 'STRING'
    if (f.type.typeId === arrow.Type.Float) return 'DOUBLE'
    throw new Error(`no migration for column ${f.name}`)
  }
  await table.addColumns(missing.map((f) => ({ name: f.name, valueSql: `CAST(NULL AS ${sqlType(f)})` })))
}

/**
 * The `photos` table in LanceDB. Every write is one Lance commit, which is atomic: a crash leaves the
 * table as it was before the write or after it, never half-written.
 */
export class PhotoStore {
  private constructor(
    private readonly db: lancedb.Connection,
    private readonly table: lancedb.Table,
  ) {}

  static async open(dbDir: string): Promise<PhotoStore> {
    const db = await lancedb.connect(dbDir)
    const names = await db.tableNames()
    const table = names.includes('photos')
      ? await db.openTable('photos')
      : await db.createEmptyTable('photos', photoSchema, { existOk: true })
    await addMissingColumns(table)
    return new PhotoStore(db, table)
  }

  close(): void {
    this.table.close()
    this.db.close()
  }

  /** Changes with every commit: lets in-memory views know when to refresh. */
  async version(): Promise<number> {
    return this.table.version()
  }

  async count(filter?: string): Promise<number> {
    return this.table.countRows(filter)
  }

  async indexState(): Promise<IndexState[]> {
    // Read column by column: turning Arrow row proxies into objects costs ten times the read itself, and
    // an unchanged rescan of a big library is mostly this.
    const table = await this.table.query().select(INDEX_STATE_COLUMNS).toArrow()
    const n = table.numRows
    if (n === 0) return [] // an empty table comes back without columns
    const text = (name: string, repeated = false) => stringColumn(table.getChild(name)!, repeated)
    const num = (name: string) => table.getChild(name)!.toArray() as ArrayLike<number>
    const [id, path, hash] = [text('id'), text('path'), text('hash')]
    // A handful of distinct values each (roots, statuses, models, heads).
    const [root, status, errorCode] = [text('root', true), text('status', true), text('errorCode', true)]
    const [featureModel, headVersion] = [text('featureModel', true), text('headVersion', true)]
    const [size, mtimeMs] = [num('size'), num('mtimeMs')]
    const out: IndexState[] = new Array(n)
    for (let i = 0; i < n; i++) {
      out[i] = {
        id: id[i]!,
        path: path[i]!,
        root: root[i]!,
        size: size[i]!,
        mtimeMs: mtimeMs[i]!,
        hash: hash[i] ?? null,
        status: status[i] as IndexState['status'],
        errorCode: errorCode[i] ?? null,
        featureModel: featureModel[i] ?? null,
        headVersion: headVersion[i] ?? null,
      }
    }
    return out
  }

  /**
   * What a timeline needs of every viewable photo (status ok), as column arrays read straight from Arrow:
   * id, capture date (ms, NaN when unknown) and file time.
   */
  async timelineColumns(): Promise<{ ids: string[]; takenAt: Float64Array; mtimeMs: Float64Array }> {
    const table = await this.table
      .query()
      .where(`status = 'ok'`)
      .select(['id', 'takenAt', 'mtimeMs'])
      .toArrow()
    const n = table.numRows
    const ids = new Array<string>(n)
    const takenAt = new Float64Array(n)
    const mtimeMs = new Float64Array(n)
    if (n === 0) return { ids, takenAt, mtimeMs }
    const id = table.getChild('id')!.toArray() as ArrayLike<string>
    const taken = table.getChild('takenAt')!.toArray() as ArrayLike<string | null>
    const mtime = table.getChild('mtimeMs')!.toArray() as ArrayLike<number | bigint>
    for (let i = 0; i < n; i++) {
      ids[i] = id[i]!
      const t = taken[i]
      takenAt[i] = t ? Date.parse(t) : NaN
      mtimeMs[i] = Number(mtime[i])
    }
    return { ids, takenAt, mtimeMs }
  }

  /** Inserts new rows and replaces existing ones (matched by id) in one commit. */
  async upsert(rows: readonly PhotoRow[]): Promise<void> {
    if (rows.length === 0) return
    const data = lancedb.makeArrowTable(rows.map(toRecord), { schema: photoSchema })
    await this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data)
  }

  /**
   * Appends rows whose ids are not in the table yet, in one commit: cheaper than {@link upsert}, which
   * matches every row against the table. A row whose id exists would be duplicated: use upsert then.
   */
  async insert(rows: readonly PhotoRow[]): Promise<void> {
    if (rows.length === 0) return
    await this.table.add(lancedb.makeArrowTable(rows.map(toRecord), { schema: photoSchema }))
  }

  /** Updates some columns of existing rows (matched by id) in one commit. */
  async patch(rows: ReadonlyArray<Partial<PhotoRow> & { id: string }>): Promise<void> {
    if (rows.length === 0) return
    const first = rows[0]!
    const fields = photoSchema.fields.filter((f) => f.name in first)
    const data = lancedb.makeArrowTable(rows.map(toRecord), { schema: new arrow.Schema(fields) })
    await this.table.mergeInsert('id').whenMatchedUpdateAll().execute(data)
  }

  async deleteIds(ids: readonly string[]): Promise<void> {
    // One commit per chunk; a crash between chunks leaves rows whose files are gone, which the next scan removes.
    for (const part of chunks(ids, 500)) await this.table.delete(`id IN (${idList(part)})`)
  }

  async get(ids: readonly string[]): Promise<PhotoRow[]> {
    const out: PhotoRow[] = []
    for (const part of chunks(ids, 500)) {
      const rows = await this.table
        .query()
        .where(`id IN (${idList(part)})`)
        .toArray()
      out.push(...rows.map((r) => fromRecord(r as Record<string, unknown>)))
    }
    return out
  }

  async query(filter?: string, columns?: string[], limit?: number): Promise<PhotoRow[]> {
    let q = this.table.query()
    if (filter) q = q.where(filter)
    if (columns) q = q.select(columns)
    if (limit !== undefined) q = q.limit(limit)
    const rows = await q.toArray()
    return rows.map((r) => fromRecord(r as Record<string, unknown>))
  }

  /** Streams rows in batches (for re-projection and fitting over big libraries). */
  async *batches(filter: string, columns: string[]): AsyncGenerator<PhotoRow[]> {
    const q = this.table.query().where(filter).select(columns)
    for await (const batch of q) {
      const rows: PhotoRow[] = []
      for (const r of batch.toArray()) rows.push(fromRecord(r.toJSON() as Record<string, unknown>))
      yield rows
    }
  }

  /** Compacts the small fragments many commits leave and drops old versions. */
  async optimize(): Promise<void> {
    await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 1000) })
  }
}
