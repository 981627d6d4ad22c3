/** The first-order benchmark's MLP: tanh layers, MSE loss. */
import * as tf from '@tensorflow/tfjs-core';
import * as E from '../../index.js';
import { param, seedParams, type HostInput, type Model } from './model.js';

export function mlpModel(layers = 4, width = 512, batch = 256): Model {
  seedParams(1); // same numbers however many times a model is built
  const inputs: HostInput[] = [];
  for (let l = 0; l < layers; l++) {
    inputs.push(param(`w${l}`, [width, width], Math.sqrt(3 / width)), param(`b${l}`, [width], 0.1));
  }
  inputs.push({ ...param('x', [batch, width], 1), param: false }, { ...param('y', [batch, width], 0.5), param: false });
  return {
    name: `MLP ${layers}×${width} tanh, batch ${batch}, mse`,
    inputs,
    engineLoss: (...xs) => {
      let h = xs[2 * layers];
      for (let l = 0; l < layers; l++) h = E.tanh(E.add(E.matmul(h, xs[2 * l]), xs[2 * l + 1]));
      return E.mean(E.square(E.sub(h, xs[2 * layers + 1])));
    },
    tfLoss: (...xs) => {
      let h = xs[2 * layers];
      for (let l = 0; l < layers; l++) h = tf.tanh(tf.add(tf.matMul(h, xs[2 * l]), xs[2 * l + 1]));
      return tf.mean(tf.square(tf.sub(h, xs[2 * layers + 1])));
    },
  };
}
