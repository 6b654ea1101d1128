/**
 * A minimal protobuf encoder for the subset of onnx.proto that models/build.ts needs.
 *
 * Why it exists: there is no Python toolchain to export the model with, and the graph is ~10
 * message types, so writing the wire format directly is smaller and easier to audit than
 * pulling in a protobuf library plus generated code. Encoding only (nothing here parses).
 *
 * Field numbers follow https://github.com/onnx/onnx/blob/main/onnx/onnx.proto. onnx.proto is
 * proto2, so repeated scalars are written unpacked (one tag per element), as protoc would.
 * Output is deterministic: fields are written in a fixed order and nothing depends on time or
 * object key order beyond what the caller passes.
 */

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

export interface TensorProto {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  /** Values in row-major order; encoded as little-endian raw_data. */
  values: readonly number[];
}

/** A dimension: a fixed size, or a symbolic name such as 'B'. */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  elemType: DataTypeCode;
  shape: readonly Dim[];
}

export type AttributeValue = { float: number } | { int: number } | { ints: readonly number[] };

export interface NodeProto {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
}

/** Appends protobuf fields to a growable byte buffer. */
class Writer {
  private bytes: number[] = [];

  private rawVarint(value: bigint): void {
    // int64 fields are two's complement on the wire: negatives take 10 bytes.
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  varint(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw new Error(`onnx-proto: field ${field}: ${value} is not an integer`);
    this.tag(field, WIRE_VARINT);
    this.rawVarint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes.push(...b);
    return this;
  }

  bytesField(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(BigInt(value.length));
    for (const b of value) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, encoded: Uint8Array): this {
    return this.bytesField(field, encoded);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function rawData(t: TensorProto): Uint8Array {
  const count = t.dims.reduce((a, d) => a * d, 1);
  if (count !== t.values.length) throw new Error(`onnx-proto: tensor '${t.name}' has ${t.values.length} values for dims [${t.dims.join(', ')}]`);
  if (t.dataType === DataType.FLOAT) {
    const out = new Uint8Array(4 * count);
    const view = new DataView(out.buffer);
    t.values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return out;
  }
  const out = new Uint8Array(8 * count);
  const view = new DataView(out.buffer);
  t.values.forEach((v, i) => {
    if (!Number.isSafeInteger(v)) throw new Error(`onnx-proto: tensor '${t.name}': ${v} is not an int64`);
    view.setBigInt64(8 * i, BigInt(v), true);
  });
  return out;
}

function encodeTensor(t: TensorProto): Uint8Array {
  const w = new Writer();
  for (const d of t.dims) w.varint(1, d); // dims
  w.varint(2, t.dataType); // data_type
  w.string(8, t.name); // name
  w.bytesField(9, rawData(t)); // raw_data
  return w.finish();
}

function encodeDimension(d: Dim): Uint8Array {
  const w = new Writer();
  if (typeof d === 'number') w.varint(1, d); // dim_value
  else w.string(2, d); // dim_param
  return w.finish();
}

function encodeValueInfo(v: ValueInfoProto): Uint8Array {
  const shape = new Writer();
  for (const d of v.shape) shape.message(1, encodeDimension(d)); // TensorShapeProto.dim
  const tensorType = new Writer().varint(1, v.elemType).message(2, shape.finish()); // elem_type, shape
  const type = new Writer().message(1, tensorType.finish()); // TypeProto.tensor_type
  return new Writer().string(1, v.name).message(2, type.finish()).finish(); // name, type
}

function encodeAttribute(name: string, value: AttributeValue): Uint8Array {
  const w = new Writer().string(1, name); // name
  if ('float' in value) w.float(2, value.float).varint(20, AttributeType.FLOAT); // f, type
  else if ('int' in value) w.varint(3, value.int).varint(20, AttributeType.INT); // i, type
  else {
    for (const i of value.ints) w.varint(8, i); // ints
    w.varint(20, AttributeType.INTS);
  }
  return w.finish();
}

function encodeNode(n: NodeProto): Uint8Array {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  // Sorted so that the bytes do not depend on how the caller built the attribute object.
  for (const key of Object.keys(n.attributes ?? {}).sort()) w.message(5, encodeAttribute(key, n.attributes![key]!));
  return w.finish();
}

function encodeGraph(g: GraphProto): Uint8Array {
  const w = new Writer();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  return w.finish();
}

export function encodeModel(m: ModelProto): Uint8Array {
  const opset = new Writer().string(1, '').varint(2, m.opsetVersion); // default domain 'ai.onnx'
  return new Writer()
    .varint(1, m.irVersion)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .message(7, encodeGraph(m.graph))
    .message(8, opset.finish())
    .finish();
}
