import { convOutSize, type ConvParams } from '../../core/window.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';

/**
 * Direct-loop grouped 2-D convolution over NCHW and its two transposes, in float64.
 * All three walk the same taps: output (n, co, oh, ow) reads input (n, c, h, w) through
 * weight (co, ci, i, j) with h = oh·sh − top + i·dh, w = ow·sw − left + j·dw.
 */

interface Dims {
  N: number; C: number; H: number; W: number;
  Co: number; Cg: number; kH: number; kW: number;
  Ho: number; Wo: number; G: number;
}

function dims(x: readonly number[], w: readonly number[], p: ConvParams, kernel: string): Dims {
  const [N, C, H, W] = x;
  const [Co, Cg, kH, kW] = w;
  if (x.length !== 4 || w.length !== 4 || C !== Cg * p.groups || Co % p.groups !== 0) {
    throw kernelError(kernel, `x ${fmt(x)} and w ${fmt(w)} do not fit groups ${p.groups}`);
  }
  const [Ho, Wo] = convOutSize(H, W, kH, kW, p);
  return { N, C, H, W, Co, Cg, kH, kW, Ho, Wo, G: p.groups };
}

/** What a walk over the taps accumulates: the output, the input cotangent or the weight cotangent. */
const enum Accumulate {
  Output,
  Input,
  Filter,
}

/** [lo, hi) of the output columns whose tap j lands inside the input. */
function columnRange(j: number, W: number, Wo: number, sw: number, pl: number, dw: number): [number, number] {
  const off = j * dw - pl;
  const lo = Math.max(0, Math.ceil(-off / sw));
  const hi = Math.min(Wo, Math.floor((W - 1 - off) / sw) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Every multiply-add out[o] += x[xi]·w[wi] of the convolution, with the valid row and
 * column ranges hoisted out of the inner loop, accumulating into the output (`a` = x,
 * `b` = w), the input cotangent (`a` = ct, `b` = w) or the weight cotangent (`a` = ct,
 * `b` = x).
 */
function accumulate(d: Dims, p: ConvParams, mode: Accumulate, a: Float64Array, b: Float64Array, acc: Float64Array): void {
  const { N, C, H, W, Co, Cg, kH, kW, Ho, Wo, G } = d;
  const Cog = Co / G;
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const [pt, pl] = p.pads;
  const cols = Array.from({ length: kW }, (_, j) => columnRange(j, W, Wo, sw, pl, dw));
  const rows = Array.from({ length: kH }, (_, i) => columnRange(i, H, Ho, sh, pt, dh));
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Co; co++) {
      const g = Math.floor(co / Cog);
      const oPlane = (n * Co + co) * Ho * Wo;
      for (let ci = 0; ci < Cg; ci++) {
        const xPlane = (n * C + g * Cg + ci) * H * W;
        const wBase = (co * Cg + ci) * kH * kW;
        for (let i = 0; i < kH; i++) {
          const [ohLo, ohHi] = rows[i];
          for (let oh = ohLo; oh < ohHi; oh++) {
            const xRow = xPlane + (oh * sh - pt + i * dh) * W;
            const oRow = oPlane + oh * Wo;
            for (let j = 0; j < kW; j++) {
              const wi = wBase + i * kW + j;
              const [lo, hi] = cols[j];
              const xOff = xRow - pl + j * dw;
              if (mode === Accumulate.Output) {
                const wv = b[wi];
                for (let ow = lo; ow < hi; ow++) acc[oRow + ow] += a[xOff + ow * sw] * wv;
              } else if (mode === Accumulate.Input) {
                const wv = b[wi];
                for (let ow = lo; ow < hi; ow++) acc[xOff + ow * sw] += a[oRow + ow] * wv;
              } else {
                let s = 0;
                for (let ow = lo; ow < hi; ow++) s += a[oRow + ow] * b[xOff + ow * sw];
                acc[wi] += s;
              }
            }
          }
        }
      }
    }
  }
}

export function conv2d(x: RefArray, w: RefArray, p: ConvParams): RefArray {
  const d = dims(x.shape, w.shape, p, 'conv2d');
  const out = new Float64Array(d.N * d.Co * d.Ho * d.Wo);
  accumulate(d, p, Accumulate.Output, x.data, w.data, out);
  return refArray([d.N, d.Co, d.Ho, d.Wo], out);
}

/** The input cotangent: Σ over taps of ct[oi]·w[wi] into x's position (transposed convolution). */
export function conv2dBackpropInput(ct: RefArray, w: RefArray, inputSize: readonly number[], p: ConvParams): RefArray {
  const xShape = [ct.shape[0], w.shape[1] * p.groups, inputSize[0], inputSize[1]];
  const d = dims(xShape, w.shape, p, 'conv2dBackpropInput');
  if (ct.shape[1] !== d.Co || ct.shape[2] !== d.Ho || ct.shape[3] !== d.Wo) {
    throw kernelError('conv2dBackpropInput', `cotangent ${fmt(ct.shape)} is not the output of x ${fmt(xShape)} and w ${fmt(w.shape)}`);
  }
  const out = new Float64Array(d.N * d.C * d.H * d.W);
  accumulate(d, p, Accumulate.Input, ct.data, w.data, out);
  return refArray(xShape, out);
}

/** The weight cotangent: Σ over taps of ct[oi]·x[xi] into w's position (a correlation). */
export function conv2dBackpropFilter(x: RefArray, ct: RefArray, kernelSize: readonly number[], p: ConvParams): RefArray {
  const wShape = [ct.shape[1], x.shape[1] / p.groups, kernelSize[0], kernelSize[1]];
  const d = dims(x.shape, wShape, p, 'conv2dBackpropFilter');
  if (ct.shape[0] !== d.N || ct.shape[2] !== d.Ho || ct.shape[3] !== d.Wo) {
    throw kernelError('conv2dBackpropFilter', `cotangent ${fmt(ct.shape)} is not the output of x ${fmt(x.shape)} and w ${fmt(wShape)}`);
  }
  const out = new Float64Array(wShape[0] * wShape[1] * wShape[2] * wShape[3]);
  accumulate(d, p, Accumulate.Filter, ct.data, x.data, out);
  return refArray(wShape, out);
}
