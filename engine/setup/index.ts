/** The setup-file layer: types, validation, deterministic generation, materialisation, results. */
export * from './types.js';
export { parseSetup, parseSetupText, SetupError, SETUP_FORMAT, type ParseOptions } from './validate.js';
export { Prng, splitmix32, STREAM_PARAM, STREAM_INNER, STREAM_OUTER } from './prng.js';
export { mlpParamSpecs, transformerParamSpecs, onnxParamSpecs, paramSpecs, EMBEDDING_INIT_STD, type ParamSpec, type ParamKind } from './transformerParams.js';
export { materialise, materialiseEta, glorotTheta0, syntheticBatch, metaShapes, DEFAULT_LOG_LR, type Materialised, type MaterialisedEta } from './materialise.js';
export {
  buildResult, serialiseResult, stringifyJson, jsonNumber, parseJsonNumber, toNested, RESULT_FORMAT,
  type ComputedResult, type ResultJson, type JsonNumber, type Nested, type Mode, type Remat, type Precision,
} from './result.js';
