/**
 * The model packs Tessera knows how to download. Each file is fetched from `url` (or from the mirror, see
 * mirror.ts) and checked before it is used; the installed pack's manifest.json then records the sha256 of
 * every file it holds, so later opens are always checked against full hashes.
 */
import type { FeatureCodec, ModelManifest } from '../types.js'

export interface CatalogFile {
  /** Name in the mirror (`<mirror>/<pack id>/<name>`) and, for packs used as downloaded, in the pack folder. */
  name: string
  /** Upstream location. */
  url: string
  /**
   * Pinned sha256 of the upstream file. Every built-in file is pinned; for a catalog without a pin (tests,
   * future entries) the file is still verified: against the Hub's own digest header for a revision-pinned
   * URL, or against the mirror's manifest.json (see install.ts).
   */
  sha256?: string
  size?: number
}

/** How the downloaded files become the pack. */
export type PackBuild =
  /** Zoo int8 MobileNetV2 → visual.onnx exposing the pooled uint8 feature (mobilenet.ts). */
  | { kind: 'mobilenet-feature'; from: string; to: string }
  /** Files are used as downloaded, under their catalog names. */
  | { kind: 'as-is' }

type VisualTemplate = Omit<ModelManifest['visual'], 'codec'> & { codec?: FeatureCodec }
/** manifest.json minus what install computes: `files`, and the codec when the build reads it from the model. */
export type ManifestTemplate = Omit<ModelManifest, 'files' | 'visual'> & { visual: VisualTemplate }

export interface CatalogEntry {
  id: string
  /** Shown to the user. */
  title: string
  /** One line for the model picker; its size is shown beside it (downloadBytes), so it is not repeated here. */
  description: string
  isDefault: boolean
  /** Approximate total download, for the UI. */
  downloadBytes: number
  files: CatalogFile[]
  build: PackBuild
  manifest: ManifestTemplate
}

export const DEFAULT_PACK_ID = 'mobilenetv2-12-int8'

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406]
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225]
// openai/clip-vit-base-patch32 preprocessor_config.json.
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073]
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711]

const mobilenet: CatalogEntry = {
  id: 'mobilenetv2-12-int8',
  title: 'MobileNetV2 (int8)',
  description:
    'Small and fast image model. Finds similar photos and duplicates, and finds photos by the things it recognises (dog, daisy, sports car…); for descriptions in your own words, use CLIP.',
  isDefault: true,
  downloadBytes: 3_655_033,
  files: [
    {
      name: 'mobilenetv2-12-int8.onnx',
      // GitHub's LFS media URL for the ONNX Model Zoo file; the sha256 is also its LFS object id.
      url: 'https://media.githubusercontent.com/media/onnx/models/main/validated/vision/classification/mobilenet/model/mobilenetv2-12-int8.onnx',
      sha256: 'cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f',
      size: 3_655_033,
    },
  ],
  build: { kind: 'mobilenet-feature', from: 'mobilenetv2-12-int8.onnx', to: 'visual.onnx' },
  manifest: {
    id: 'mobilenetv2-12-int8',
    version: '12-int8.1',
    name: 'MobileNetV2 1.0 (ImageNet, int8)',
    license: 'Apache-2.0',
    source:
      'ONNX Model Zoo: github.com/onnx/models, validated/vision/classification/mobilenet/model/mobilenetv2-12-int8.onnx',
    visual: {
      file: 'visual.onnx',
      inputName: 'input',
      inputSize: 224,
      layout: 'NCHW',
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      outputName: 'feature',
      dim: 1280,
      // codec: read from the model's 464_scale / 464_zero_point during the build.
    },
  },
}

/*
 * CLIP ViT-B/32: the Transformers.js export of openai/clip-vit-base-patch32 (Xenova/clip-vit-base-patch32),
 * towers exported separately with optimum:
 *   onnx/vision_model.onnx  pixel_values float32 [batch_size,3,224,224] → image_embeds float32 [batch_size,512]
 *   onnx/text_model.onnx    input_ids int64 [batch_size,sequence_length] → text_embeds float32 [batch_size,512]
 *   (CLIP's text tower pools at the end-of-text token; ids are padded to 77)
 * and the same towers quantized to int8 (onnx/*_quantized.onnx), about a quarter of the size.
 * Everything is fetched at one public Hub revision, never at `main`, and every file's size and sha256 is
 * pinned here: the values public projects pin for that revision (the Hub's LFS SHA256 for the ONNX files).
 * tokenizer.json of the same revision carries the vocabulary and merges (one file, so no unpinned
 * vocab.json/merges.txt from another repository).
 */
export const CLIP_REVISION = 'd15189d7028b43f1d3e65039190477f6af591c2a'
export const CLIP_REPOSITORY = 'Xenova/clip-vit-base-patch32'
const CLIP_BASE = `https://huggingface.co/${CLIP_REPOSITORY}/resolve/${CLIP_REVISION}`

const clipTokenizerFile: CatalogFile = {
  name: 'tokenizer.json',
  url: `${CLIP_BASE}/tokenizer.json`,
  sha256: 'f7f3b7af117d467b58374797691a6438d3e6b9e9cef800dfd5dced7f697a90cd',
  size: 2_224_119,
}

function clipManifest(id: string, name: string, visionFile: string, textFile: string): ManifestTemplate {
  return {
    id,
    version: `xenova-${CLIP_REVISION.slice(0, 7)}`,
    name,
    license: 'MIT',
    source: `huggingface.co/${CLIP_REPOSITORY} at ${CLIP_REVISION} (ONNX export of openai/clip-vit-base-patch32)`,
    visual: {
      file: visionFile,
      inputName: 'pixel_values',
      inputSize: 224,
      layout: 'NCHW',
      mean: CLIP_MEAN,
      std: CLIP_STD,
      outputName: 'image_embeds',
      dim: 512,
      codec: { kind: 'float32' },
    },
    text: {
      file: textFile,
      inputName: 'input_ids',
      outputName: 'text_embeds',
      dim: 512,
      contextLength: 77,
      tokenizerFile: clipTokenizerFile.name,
    },
  }
}

const clipFiles = (vision: Omit<CatalogFile, 'url'>, text: Omit<CatalogFile, 'url'>): CatalogFile[] => [
  { ...vision, url: `${CLIP_BASE}/onnx/${vision.name}` },
  { ...text, url: `${CLIP_BASE}/onnx/${text.name}` },
  clipTokenizerFile,
]
const totalBytes = (files: CatalogFile[]) => files.reduce((sum, f) => sum + (f.size ?? 0), 0)

const clipFullFiles = clipFiles(
  {
    name: 'vision_model.onnx',
    sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40',
    size: 351_685_709,
  },
  {
    name: 'text_model.onnx',
    sha256: '3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc',
    size: 254_058_553,
  },
)

const clip: CatalogEntry = {
  id: 'clip-vit-b32',
  title: 'CLIP ViT-B/32',
  description: 'Larger model that also understands text: search photos by describing them in your own words.',
  isDefault: false,
  downloadBytes: totalBytes(clipFullFiles),
  files: clipFullFiles,
  build: { kind: 'as-is' },
  manifest: clipManifest('clip-vit-b32', 'CLIP ViT-B/32 (OpenAI)', 'vision_model.onnx', 'text_model.onnx'),
}

const clipQuantizedFiles = clipFiles(
  {
    name: 'vision_model_quantized.onnx',
    sha256: '583fd1110a514667812fee7d684952aaf82a99b959760c8d7dca7e0ab9839299',
    size: 89_117_001,
  },
  {
    name: 'text_model_quantized.onnx',
    sha256: '73baab855d406190da9faa498cfedf65f15cf309f4cc7385b7b032e6d08e5c3a',
    size: 64_504_507,
  },
)

const clipQuantized: CatalogEntry = {
  id: 'clip-vit-b32-q8',
  title: 'CLIP ViT-B/32, small (int8)',
  description:
    'The same CLIP quantized to 8 bits: text search at a quarter of the download, slightly less precise.',
  isDefault: false,
  downloadBytes: totalBytes(clipQuantizedFiles),
  files: clipQuantizedFiles,
  build: { kind: 'as-is' },
  manifest: clipManifest(
    'clip-vit-b32-q8',
    'CLIP ViT-B/32 (OpenAI, int8)',
    'vision_model_quantized.onnx',
    'text_model_quantized.onnx',
  ),
}

export const CATALOG: readonly CatalogEntry[] = [mobilenet, clip, clipQuantized]

export function findCatalogEntry(
  id: string,
  catalog: readonly CatalogEntry[] = CATALOG,
): CatalogEntry | undefined {
  return catalog.find((e) => e.id === id)
}
