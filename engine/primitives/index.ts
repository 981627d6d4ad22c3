import { add } from './add.js';
import { avgPool2d } from './avgPool2d.js';
import { avgPool2dGrad } from './avgPool2dGrad.js';
import { conv2d } from './conv2d.js';
import { conv2dBackpropFilter } from './conv2dBackpropFilter.js';
import { conv2dBackpropInput } from './conv2dBackpropInput.js';
import { erf } from './erf.js';
import { maxPool2d } from './maxPool2d.js';
import { maxPool2dPick } from './maxPool2dPick.js';
import { maxPool2dScatter } from './maxPool2dScatter.js';
import { broadcastTo } from './broadcastTo.js';
import { compare } from './compare.js';
import { concat } from './concat.js';
import { constant, full, iota } from './create.js';
import { div } from './div.js';
import { exp } from './exp.js';
import { gather } from './gather.js';
import { log } from './log.js';
import { matmul } from './matmul.js';
import { max } from './max.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { oneHot } from './oneHot.js';
import { pad } from './pad.js';
import { pow } from './pow.js';
import { registerPrimitives } from './registry.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { segmentSum } from './segmentSum.js';
import { select } from './select.js';
import { sigmoid } from './sigmoid.js';
import { slice } from './slice.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
import { tanh } from './tanh.js';
import { transpose } from './transpose.js';
import type { Primitive } from './types.js';

/** The closed set of primitives; a test checks every rule is present and no name repeats. */
export const PRIMITIVES: readonly Primitive[] = [
  add, sub, mul, div, neg, exp, log, tanh, sigmoid, relu, sqrt, pow,
  compare, select, matmul, transpose, reshape, broadcastTo, sum, max,
  slice, pad, concat, gather, segmentSum, oneHot, full, constant, iota, erf,
  conv2d, conv2dBackpropInput, conv2dBackpropFilter,
  maxPool2d, maxPool2dPick, maxPool2dScatter, avgPool2d, avgPool2dGrad,
];

registerPrimitives(PRIMITIVES);
