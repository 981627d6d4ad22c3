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

/**
 * Calls `tap(xi, wi, oi)` with the flat indices of every multiply-add: out[oi] += x[xi]·w[wi].
 * The closure is monomorphic and small; the ref executor is for verification, not speed.
 */
function forEachTap(d: Dims, p: ConvParams, tap: (xi: number, wi: number, oi: number) => void): void {
  const { N, C, H, W, Co, Cg, kH, kW, Ho, Wo, G } = d;
  const Cog = Co / G;
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const [pt, pl] = p.pads;
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Co; co++) {
      const g = Math.floor(co / Cog);
      for (let ci = 0; ci < Cg; ci++) {
        const xPlane = (n * C + g * Cg + ci) * H * W;
        const wBase = (co * Cg + ci) * kH * kW;
        const oPlane = (n * Co + co) * Ho * Wo;
        for (let i = 0; i < kH; i++) {
          for (let oh = 0; oh < Ho; oh++) {
            const h = oh * sh - pt + i * dh;
            if (h < 0 || h >= H) continue;
            for (let j = 0; j < kW; j++) {
              const wi = wBase + i * kW + j;
              for (let ow = 0; ow < Wo; ow++) {
                const x = ow * sw - pl + j * dw;
                if (x >= 0 && x < W) tap(xPlane + h * W + x, wi, oPlane + oh * Wo + ow);
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
  const xs = x.data;
  const ws = w.data;
  forEachTap(d, p, (xi, wi, oi) => {
    out[oi] += xs[xi] * ws[wi];
  });
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
  const cs = ct.data;
  const ws = w.data;
  forEachTap(d, p, (xi, wi, oi) => {
    out[xi] += cs[oi] * ws[wi];
  });
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
  const cs = ct.data;
  const xs = x.data;
  forEachTap(d, p, (xi, wi, oi) => {
    out[wi] += cs[oi] * xs[xi];
  });
  return refArray(wShape, out);
}
