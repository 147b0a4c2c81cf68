/**
 * The watched folders as trees with photo counts, built from the photos' paths: every folder on the way
 * from a root to a photo is a node, folders without photos below them are left out.
 */
import path from 'node:path'
import type { FolderNode } from '../shared/contract.js'

export function folderTree(roots: readonly string[], photoPaths: Iterable<string>): FolderNode[] {
  const nodes = new Map<string, FolderNode>()
  const top = [...new Set(roots)].sort((a, b) => b.length - a.length) // the deepest root claims a photo
  const trees: FolderNode[] = []
  for (const root of [...new Set(roots)]) {
    const node: FolderNode = {
      path: root,
      name: path.basename(root) || root,
      count: 0,
      total: 0,
      children: [],
    }
    nodes.set(root, node)
    trees.push(node)
  }
  const nodeFor = (folder: string, root: string): FolderNode => {
    let node = nodes.get(folder)
    if (node) return node
    node = { path: folder, name: path.basename(folder), count: 0, total: 0, children: [] }
    nodes.set(folder, node)
    const parent = folder === root ? null : path.dirname(folder)
    if (parent !== null && parent !== folder) nodeFor(parent, root).children.push(node)
    return node
  }
  for (const file of photoPaths) {
    const root = top.find((r) => file.startsWith(r.endsWith(path.sep) ? r : r + path.sep))
    if (!root) continue
    nodeFor(path.dirname(file), root).count++
  }
  const finish = (node: FolderNode): number => {
    node.children.sort((a, b) => a.name.localeCompare(b.name))
    node.total = node.count + node.children.reduce((sum, c) => sum + finish(c), 0)
    return node.total
  }
  for (const tree of trees) finish(tree)
  // A root inside another root appears once, as the top of its own tree.
  return trees.sort((a, b) => a.path.localeCompare(b.path))
}
