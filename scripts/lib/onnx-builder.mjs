// Builds small ONNX graphs in code (onnx-proto): initialisers, nodes and typed inputs and outputs, encoded
// to the bytes of a .onnx file. Used by the test model (scripts/make-test-model.mjs) and by tests that need a
// graph of a known cost.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** A constant tensor (initialiser) from a Float32Array or BigInt64Array, stored as raw little-endian bytes. */
export function initializer(name, dims, values) {
  const dataType = values instanceof BigInt64Array ? INT64 : FLOAT;
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if (values.length !== expected) throw new Error(`initializer ${name}: ${values.length} values for dims [${dims}]`);
  return onnx.TensorProto.create({ name, dims, dataType, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

/** A graph input or output: element type and dims (numbers, or strings for symbolic dims such as "batch"). */
export function valueInfo(name, elemType, dims) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) },
      },
    },
  });
}

/** One operator node; attributes given as { name: number | number[] } (ints). */
export function node(opType, inputs, outputs, attributes = {}) {
  const attribute = Object.entries(attributes).map(([name, value]) =>
    Array.isArray(value)
      ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value })
      : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value }),
  );
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute });
}

/** The encoded bytes of a model with one graph at ONNX opset `opset` (default 17). */
export function encodeModel({ name, nodes, initializers, inputs, outputs, opset = 17, docString = '' }) {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'milens',
    docString,
    opsetImport: [{ domain: '', version: opset }],
    graph: onnx.GraphProto.create({ name, node: nodes, initializer: initializers, input: inputs, output: outputs }),
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}
