/**
 * The ONNX protobuf classes from `onnx-proto`. That package is CommonJS with a named-export type
 * declaration, which Node's ESM loader cannot map to a named import, so it is required explicitly.
 */
import { createRequire } from 'node:module'
import type * as OnnxProtoModule from 'onnx-proto'

const require = createRequire(import.meta.url)

export const onnx: typeof OnnxProtoModule.onnx = (require('onnx-proto') as typeof OnnxProtoModule).onnx
// Re-export the namespace's types (onnx.ModelProto, onnx.NodeProto…) under the same name.
export type { onnx as OnnxTypes } from 'onnx-proto'
