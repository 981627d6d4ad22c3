"""Exports small PyTorch models to ONNX (training mode, no constant folding) and computes the
reference numbers the ONNX import tests compare against, in float64 with PyTorch's own
double backward, following the setup spec's maths exactly:

  L_t(θ) = (1/B)·Σ_i 2·sigmoid(z_{t,i})·ℓ_i(θ; x_t, y_t) [+ (λ/2)·Σ_{rank ≥ 2} ‖W‖²]
  θ_{t+1} = θ_t − exp(log_lr_k)·∇L_t(θ_t)         (SGD, per-tensor learning rates)
  V = mean_i ℓ_i(θ_T; x_out, y_out)

For each model NAME it writes NAME.onnx, NAME.mixflow.json (explicit batches) and
NAME.expect.json (the prediction on the outer batch at θ₀, V and dV/dθ₀, dV/dlog_lr,
dV/dexample_logits [, dV/dlog_wd]). Usage: python3 onnx_reference.py OUT_DIR
"""
import json
import os
import sys

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.stateless import functional_call

torch.set_default_dtype(torch.float64)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(F.relu(self.bn(self.conv(x))))


class MamlCnn(nn.Module):
    """The 4-conv MAML network, shrunk: 2 blocks of 3 channels on 8×8 inputs."""

    def __init__(self):
        super().__init__()
        self.block1 = ConvBlock(1, 3)
        self.block2 = ConvBlock(3, 3)
        self.head = nn.Linear(3 * 2 * 2, 5)

    def forward(self, x):
        return self.head(self.block2(self.block1(x)).flatten(1))


class PoolCnn(nn.Module):
    """Strided conv, average pooling with padding (counted, then not, ceil mode), a grouped dilated conv, global average pooling."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)
        self.c2 = nn.Conv2d(4, 4, 3, groups=2, dilation=2, padding=2)
        self.pool2 = nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=False, ceil_mode=True)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        h = torch.tanh(self.c2(torch.sigmoid(self.pool(self.c1(x)))))
        return self.head(F.adaptive_avg_pool2d(self.pool2(h), 1).flatten(1))


class Transformer(nn.Module):
    """One encoder layer (LayerNorm, attention, erf GELU), mean over positions, a linear head."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, activation='gelu', batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.layer(x).mean(1))


class Misc(nn.Module):
    """Shape arithmetic and layout: view(x.size(0), -1), cat, chunk, split, leaky ReLU (its
    slope is a float32 attribute in ONNX, so this model agrees to about 1e-11), a constant pad
    of 0.5, mean over axes, permute, (un)squeeze, where, log-softmax."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.fc = nn.Linear(4 * 3 * 3 + 4, 6)
        self.out = nn.Linear(3, 3)

    def forward(self, x):
        h = F.leaky_relu(self.conv(F.pad(x, (1, 0, 0, 1), value=0.5)), 0.1)
        a, b = h.chunk(2, dim=1)
        h = torch.cat([b, a], dim=1)
        pooled = h.mean([2, 3])
        flat = h[:, :, 1:4, 0:3].permute(0, 2, 3, 1).reshape(h.size(0), -1)
        z = torch.sigmoid(self.fc(torch.cat([flat, pooled], dim=1))).unsqueeze(1).squeeze(1)
        u, v = z.split(3, dim=1)
        w = torch.where(u > 0.5, u, v * 2)
        return F.log_softmax(self.out(w * v), dim=-1)


# name: (model, example shape, loss, T, B, B_out, opset, with weight decay)
MODELS = {
    'mlp': (Mlp, [4], 'mse', 2, 3, 2, 13, True),
    'maml_cnn': (MamlCnn, [1, 8, 8], 'xent', 2, 4, 3, 15, False),
    # Opset 11: BatchNormalization has no training_mode attribute; its extra outputs say it.
    'maml_cnn_opset11': (MamlCnn, [1, 8, 8], 'xent', 2, 4, 3, 11, False),
    'pool_cnn': (PoolCnn, [2, 9, 9], 'xent', 2, 3, 2, 15, False),
    'transformer': (Transformer, [4, 8], 'xent', 2, 3, 2, 17, False),
    'misc': (Misc, [2, 6, 6], 'xent', 2, 3, 2, 15, False),
}


def loss_per_example(kind, pred, y):
    if kind == 'mse':
        return 0.5 * ((pred - y) ** 2).sum(-1)
    return F.cross_entropy(pred, y, reduction='none')


def theta_names(path):
    """θ as the spec defines it: floating initializers of rank ≥ 1 but BatchNorm statistics, in file order."""
    g = onnx.load(path).graph
    stats = {n.input[i] for n in g.node if n.op_type == 'BatchNormalization' for i in (3, 4)}
    floats = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE}
    return [t.name for t in g.initializer if t.data_type in floats and len(t.dims) >= 1 and t.name not in stats]


def run(name, out_dir):
    cls, shape, loss, T, B, B_out, opset, decay = MODELS[name]
    torch.manual_seed(1234)
    model = cls()
    model.train()
    path = os.path.join(out_dir, f'{name}.onnx')
    x_example = torch.randn(2, *shape)
    torch.onnx.export(model, x_example, path, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False,
                      input_names=['x'], output_names=['y'], dynamic_axes={'x': {0: 'batch'}}, opset_version=opset)
    names = theta_names(path)
    state = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    assert sorted(names) == sorted(state), (names, list(state))
    theta0 = [state[n].detach().clone().requires_grad_(True) for n in names]

    classes = 5 if name.startswith('maml_cnn') else 3
    def batch(b):
        x = torch.randn(b, *shape)
        y = torch.randn(b, classes) if loss == 'mse' else torch.randint(0, classes, (b,))
        return x, y
    inner = [batch(B) for _ in range(T)]
    outer = batch(B_out)
    log_lr = torch.tensor([-1.0 - 0.1 * k for k in range(len(names))], requires_grad=True)
    logits = (0.3 * torch.randn(T, B)).requires_grad_(True)
    log_wd = torch.tensor(-2.0, requires_grad=True)

    def predict(theta, x):
        return functional_call(model, {**buffers, **{n: t for n, t in zip(names, theta)}}, (x,))

    def outer_loss(theta0, log_lr, logits, log_wd):
        theta = theta0
        for t, (x, y) in enumerate(inner):
            w = 2 * torch.sigmoid(logits[t])
            L = (w * loss_per_example(loss, predict(theta, x), y)).sum() / B
            if decay:
                L = L + torch.exp(log_wd) / 2 * sum((p ** 2).sum() for p in theta if p.dim() >= 2)
            g = torch.autograd.grad(L, theta, create_graph=True)
            theta = [p - torch.exp(log_lr[k]) * g[k] for k, p in enumerate(theta)]
        return loss_per_example(loss, predict(theta, outer[0]), outer[1]).mean()

    V = outer_loss(theta0, log_lr, logits, log_wd)
    wrt = [*theta0, log_lr, logits] + ([log_wd] if decay else [])
    grads = torch.autograd.grad(V, wrt)
    with torch.no_grad():
        prediction = predict(theta0, outer[0])

    def nested(t):
        return t.detach().tolist()

    def batch_json(b):
        return {'x': nested(b[0]), 'y': nested(b[1])}

    eta = {'log_lr': nested(log_lr), 'example_logits': nested(logits)}
    if decay:
        eta['log_wd'] = log_wd.item()
    setup = {
        'format': 'mixflow-setup/1',
        'model': {'kind': 'onnx', 'file': f'{name}.onnx'},
        'loss': loss,
        'optimizer': {'kind': 'sgd'},
        'inner': [batch_json(b) for b in inner],
        'outer': batch_json(outer),
        'eta': eta,
        'wrt': ['theta0', 'log_lr', 'example_logits'] + (['log_wd'] if decay else []),
    }
    n = len(names)
    expect = {
        'prediction': nested(prediction),
        'outer_loss': V.item(),
        'theta0': {k: nested(g) for k, g in zip(names, grads[:n])},
        'log_lr': nested(grads[n]),
        'example_logits': nested(grads[n + 1]),
    }
    if decay:
        expect['log_wd'] = grads[n + 2].item()
    with open(os.path.join(out_dir, f'{name}.mixflow.json'), 'w') as f:
        json.dump(setup, f)
    with open(os.path.join(out_dir, f'{name}.expect.json'), 'w') as f:
        json.dump(expect, f)


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(torch.sin(x))


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, mask):
        return self.fc(x * mask)


class WithDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.fc(x))


def refusals(out_dir):
    """Models the importer must refuse: an op it lacks, two inputs, dropout in training mode."""
    torch.manual_seed(0)
    x = torch.randn(2, 4)
    for name, model, args in [('unsupported', Unsupported(), (x,)), ('two_inputs', TwoInputs(), (x, torch.ones(2, 4))),
                              ('dropout', WithDropout(), (x,))]:
        torch.onnx.export(model, args, os.path.join(out_dir, f'{name}.onnx'), training=torch.onnx.TrainingMode.TRAINING,
                          do_constant_folding=False, opset_version=15)


if __name__ == '__main__':
    import warnings
    warnings.filterwarnings('ignore')
    names = sys.argv[2:] or [*MODELS, 'refusals']
    for name in names:
        if name == 'refusals':
            refusals(sys.argv[1])
        else:
            run(name, sys.argv[1])
