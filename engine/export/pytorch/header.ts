/**
 * The exported program's opening: what it computes, how to run it (one process, torchrun on
 * CPUs, GPUs, several nodes), its imports and the embedded setup.
 */
import type { Setup } from '../../setup/types.js';
import { innerBatchSize, innerSteps, outerBatchSize } from '../../setup/types.js';

function describeModel(setup: Setup): string {
  const m = setup.model;
  if (m.kind === 'mlp') return `MLP ${m.sizes.join('-')} (${m.activation})`;
  if (m.kind === 'onnx') return `ONNX model ${m.file}: ${m.graph.nodes.length} nodes, ${m.graph.params.length} parameter tensors, opset ${m.graph.opset}`;
  return `transformer: ${m.layers} layers, d_model ${m.d_model}, ${m.heads} heads, seq ${m.seq}, d_ff ${m.d_ff}, vocab ${m.vocab}`;
}

export function headerPy(setup: Setup, setupJson: string, opts: { source: string; file: string; mode: string; remat: string }): string {
  const { source, file } = opts;
  return String.raw`#!/usr/bin/env python3
"""Meta-gradient of ${source}, exported by MixFlow Studio.

The bilevel problem (mixflow-setup/1, embedded below as SETUP):
  model      ${describeModel(setup)}
  inner      ${innerSteps(setup)} steps of ${setup.optimizer.kind}, batch ${innerBatchSize(setup)}, loss ${setup.loss}
  outer      validation batch of ${outerBatchSize(setup)}
  returns    dV/d(${setup.wrt.join(', ')}) of the outer loss V, as mixflow-result/1 JSON (rank 0)

Run (defaults --mode ${opts.mode} --remat ${opts.remat} --precision float32):
  python3 ${file}                                        # one process
  torchrun --nproc_per_node 4 ${file} --device cpu       # data parallel, CPU processes (gloo)
  torchrun --nproc_per_node 8 ${file} --device cuda      # one GPU per process (NCCL)
  torchrun --nnodes 2 --node_rank R --master_addr HOST --master_port 29500 \
      --nproc_per_node 8 ${file} --device cuda           # two GPU nodes
Every process takes a share of each batch; any number of processes gives the numbers of one.
--mode mixflow computes the inner gradient's backward as one forward-over-reverse pass
(MixFlowGrad below); --mode standard is reverse-over-reverse. Both give the same numbers.
Written for PyTorch >= 2.0 (torch.func).
"""
import argparse
import base64
import json
import math
import os
import time

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_nn
import torch.nn.functional as F
from torch.func import grad, jvp

SETUP = json.loads(r"""${setupJson}""")
DEVICE, DTYPE = "cpu", torch.float32  # set by main()
`;
}
