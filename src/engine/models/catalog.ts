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
   * Pinned sha256 of the upstream file. When absent the file is still verified: against the Hub's own
   * digest header for the revision-pinned URL, or against the mirror's manifest.json (see install.ts).
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
  description: 'Small and fast image model (3.6 MB). Finds similar photos and duplicates; no text search.',
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
 *   (no attention_mask input: CLIP's text tower pools at the end-of-text token; pad to 77 tokens)
 * What is pinned:
 *   - the model files are fetched at a fixed Hub revision (4c1807b7…), never at `main`;
 *   - vision_model.onnx: sha256 pinned here (the Hub's LFS "SHA256" of that file at that revision);
 *   - text_model.onnx: no published sha256 was found to pin. It is verified against the sha256 the Hub
 *     reports for the LFS object (`x-linked-etag` of the revision-pinned URL), so a truncated or altered
 *     transfer is refused, but the expected value comes from the Hub at download time, not from us;
 *   - vocab.json / merges.txt (openai/clip-vit-base-patch32, plain git files, not LFS): verified against
 *     the Hub's ETag, which for such files is the git blob SHA-1; not pinned here either.
 * Through a mirror, unpinned files are checked against the sha256s in the mirror's own
 * `<mirror>/clip-vit-b32/manifest.json`, and refused when it does not list them.
 */
const CLIP_REVISION = '4c1807b705b1d015fb032789cc4d221b23025a6f'
const CLIP_BASE = `https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/${CLIP_REVISION}`
const CLIP_TOKENIZER_BASE = 'https://huggingface.co/openai/clip-vit-base-patch32/resolve/main'

const clip: CatalogEntry = {
  id: 'clip-vit-b32',
  title: 'CLIP ViT-B/32',
  description: 'Larger model (about 600 MB) that also understands text: search photos by describing them.',
  isDefault: false,
  downloadBytes: 352_000_000 + 254_000_000 + 862_000 + 525_000,
  files: [
    {
      name: 'vision_model.onnx',
      url: `${CLIP_BASE}/onnx/vision_model.onnx`,
      sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40',
    },
    { name: 'text_model.onnx', url: `${CLIP_BASE}/onnx/text_model.onnx` },
    { name: 'vocab.json', url: `${CLIP_TOKENIZER_BASE}/vocab.json` },
    { name: 'merges.txt', url: `${CLIP_TOKENIZER_BASE}/merges.txt` },
  ],
  build: { kind: 'as-is' },
  manifest: {
    id: 'clip-vit-b32',
    version: `xenova-${CLIP_REVISION.slice(0, 7)}`,
    name: 'CLIP ViT-B/32 (OpenAI)',
    license: 'MIT',
    source: 'huggingface.co/Xenova/clip-vit-base-patch32 (ONNX export of openai/clip-vit-base-patch32)',
    visual: {
      file: 'vision_model.onnx',
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
      file: 'text_model.onnx',
      inputName: 'input_ids',
      outputName: 'text_embeds',
      dim: 512,
      contextLength: 77,
      vocabFile: 'vocab.json',
      mergesFile: 'merges.txt',
    },
  },
}

export const CATALOG: readonly CatalogEntry[] = [mobilenet, clip]

export function findCatalogEntry(
  id: string,
  catalog: readonly CatalogEntry[] = CATALOG,
): CatalogEntry | undefined {
  return catalog.find((e) => e.id === id)
}
