/**
 * Why this file exists: the face detector's weights and architecture come from MediaPipe's
 * `.tflite` file, a FlatBuffer of TensorFlow Lite's `schema.fbs`. Reading the few tables we need
 * (model, subgraph, tensors, operators, buffers) takes a hundred lines, so the generator needs no
 * FlatBuffers or TensorFlow dependency. Field numbers are those of `schema.fbs` (TFLite 2.x).
 */

/** The builtin operators BlazeFace short-range uses (`BuiltinOperator` in schema.fbs). */
export const TFLITE_OP = {
	ADD: 0,
	CONCATENATION: 2,
	CONV_2D: 3,
	DEPTHWISE_CONV_2D: 4,
	DEQUANTIZE: 6,
	MAX_POOL_2D: 17,
	RELU: 19,
	RESHAPE: 22,
	PAD: 34,
} as const;

/** `TensorType` in schema.fbs. */
export const TFLITE_TYPE = { FLOAT32: 0, FLOAT16: 1, INT32: 2 } as const;

export interface TfliteTensor {
	index: number;
	name: string;
	shape: number[];
	type: number;
	/** The constant data of the tensor (empty for activations). */
	data: Uint8Array;
}

export interface TfliteOperator {
	/** `BuiltinOperator` code. */
	op: number;
	inputs: number[];
	outputs: number[];
	options: TfliteOptions;
}

/** The options BlazeFace's operators carry (`Conv2DOptions`, `Pool2DOptions`, ... in schema.fbs). */
export interface TfliteOptions {
	padding?: 'same' | 'valid';
	strideWidth?: number;
	strideHeight?: number;
	filterWidth?: number;
	filterHeight?: number;
	depthMultiplier?: number;
	dilationWidth?: number;
	dilationHeight?: number;
	/** `ActivationFunctionType`: 0 none, 1 ReLU. */
	activation?: number;
	axis?: number;
}

/** `Padding` in schema.fbs: SAME is 0 (the default), VALID 1. */
const PADDING_SAME = 0;

export interface TfliteModel {
	description: string;
	tensors: TfliteTensor[];
	operators: TfliteOperator[];
	inputs: number[];
	outputs: number[];
}

/** Parses the first subgraph of a TFLite FlatBuffer. Throws on a file that is not one. */
export function readTflite(bytes: Uint8Array): TfliteModel {
	if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
		throw new Error('not a TFLite model (no TFL3 identifier)');
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const u32 = (at: number) => view.getUint32(at, true);
	const i32 = (at: number) => view.getInt32(at, true);

	/** Absolute position of field `index` of the table at `table`, or 0 when absent. */
	function field(table: number, index: number): number {
		const vtable = table - i32(table);
		const vtableLength = view.getUint16(vtable, true);
		if (4 + 2 * index >= vtableLength) return 0;
		const offset = view.getUint16(vtable + 4 + 2 * index, true);
		return offset === 0 ? 0 : table + offset;
	}
	const follow = (at: number) => at + u32(at);
	/** Positions of the elements of a vector field (each element 4 bytes wide). */
	function vector(table: number, index: number): number[] {
		const at = field(table, index);
		if (at === 0) return [];
		const start = follow(at);
		return Array.from({ length: u32(start) }, (_, k) => start + 4 + 4 * k);
	}
	function bytesField(table: number, index: number): Uint8Array {
		const at = field(table, index);
		if (at === 0) return new Uint8Array(0);
		const start = follow(at);
		return bytes.subarray(start + 4, start + 4 + u32(start));
	}
	const text = (table: number, index: number) => new TextDecoder().decode(bytesField(table, index));
	const int8 = (table: number, index: number, fallback: number) => {
		const at = field(table, index);
		return at === 0 ? fallback : view.getInt8(at);
	};

	const model = follow(0);
	const buffers = vector(model, 4).map((at) => bytesField(follow(at), 0));
	const operatorCodes = vector(model, 1).map((at) => {
		const code = follow(at);
		// builtin_code (3) superseded deprecated_builtin_code (0) when codes passed 127.
		const wide = field(code, 3);
		return wide !== 0 ? i32(wide) : int8(code, 0, 0);
	});
	const subgraphs = vector(model, 2);
	if (subgraphs.length !== 1) throw new Error(`expected 1 subgraph, found ${subgraphs.length}`);
	const graph = follow(subgraphs[0]);

	const tensors = vector(graph, 0).map((at, index): TfliteTensor => {
		const tensor = follow(at);
		const bufferField = field(tensor, 2);
		return {
			index,
			name: text(tensor, 3),
			shape: vector(tensor, 0).map(i32),
			type: int8(tensor, 1, TFLITE_TYPE.FLOAT32),
			data: bufferField === 0 ? new Uint8Array(0) : buffers[u32(bufferField)],
		};
	});
	const operators = vector(graph, 3).map((at): TfliteOperator => {
		const operator = follow(at);
		const opcodeField = field(operator, 0);
		const optionsField = field(operator, 4);
		const op = operatorCodes[opcodeField === 0 ? 0 : u32(opcodeField)];
		const options: TfliteOptions = {};
		if (optionsField !== 0) {
			const table = follow(optionsField);
			const int = (index: number, fallback: number) => {
				const at = field(table, index);
				return at === 0 ? fallback : i32(at);
			};
			if (op === TFLITE_OP.CONV_2D || op === TFLITE_OP.DEPTHWISE_CONV_2D) {
				const depthwise = op === TFLITE_OP.DEPTHWISE_CONV_2D;
				options.padding = int8(table, 0, PADDING_SAME) === PADDING_SAME ? 'same' : 'valid';
				options.strideWidth = int(1, 1);
				options.strideHeight = int(2, 1);
				if (depthwise) options.depthMultiplier = int(3, 1);
				options.activation = int8(table, depthwise ? 4 : 3, 0);
				options.dilationWidth = int(depthwise ? 5 : 4, 1);
				options.dilationHeight = int(depthwise ? 6 : 5, 1);
			} else if (op === TFLITE_OP.MAX_POOL_2D) {
				options.padding = int8(table, 0, PADDING_SAME) === PADDING_SAME ? 'same' : 'valid';
				options.strideWidth = int(1, 1);
				options.strideHeight = int(2, 1);
				options.filterWidth = int(3, 1);
				options.filterHeight = int(4, 1);
				options.activation = int8(table, 5, 0);
			} else if (op === TFLITE_OP.ADD) {
				options.activation = int8(table, 0, 0);
			} else if (op === TFLITE_OP.CONCATENATION) {
				options.axis = int(0, 0);
				options.activation = int8(table, 1, 0);
			}
		}
		return {
			op,
			inputs: vector(operator, 1).map(i32),
			outputs: vector(operator, 2).map(i32),
			options,
		};
	});
	return {
		description: text(model, 3),
		tensors,
		operators,
		inputs: vector(graph, 1).map(i32),
		outputs: vector(graph, 2).map(i32),
	};
}
