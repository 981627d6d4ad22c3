/**
 * The bilevel problem in the exported program: per-example loss, the inner loss L_t, learning
 * rates, the inner optimiser's update, exactly as mixflow-setup/1 defines them.
 */
import type { LossKind, OptimizerSpec } from '../../setup/types.js';

const MSE = String.raw`
def per_example_loss(pred, y):
    """ℓ = ½·Σ_j (ŷ_j − y_j)² over the last axis."""
    d = pred - y
    return 0.5 * (d * d).sum(-1)
`;

const XENT = String.raw`
def per_example_loss(logits, y):
    """ℓ = −log softmax(ŷ)[y] over the last axis, written as logsumexp(ŷ) − ŷ[y] (forward-mode
    rules exist for these in every PyTorch, unlike for cross_entropy's backward)."""
    picked = (logits * torch.nn.functional.one_hot(y, logits.shape[-1]).to(logits.dtype)).sum(-1)
    return torch.logsumexp(logits, -1) - picked
`;

const INNER_LOSS = String.raw`
def inner_loss(theta, eta, x, y, terms, remat_blocks):
    """This process's part of L_t(θ) = (1/N)·Σ w·ℓ(θ) + (λ/2)·Σ_k ‖W_k‖², w = 2·sigmoid(z),
    λ = exp(log_wd): its own examples over the global count N, and the decay term on rank 0 only,
    so that the sum over processes is L_t. eta = (z,) or (z, log_wd)."""
    weights = 2 * torch.sigmoid(eta[0])
    data = (weights * per_example_loss(predict(theta, x, remat_blocks), y)).sum() / terms
    if len(eta) == 1 or RANK != 0:
        return data
    decay = sum((w * w).sum() for w, decayed in zip(theta, DECAYED) if decayed)
    return data + torch.exp(eta[1]) * 0.5 * decay


def learning_rates(log_lr, count):
    """α_k = exp(log_lr_k): one shared rate, or one per θ tensor."""
    if log_lr.dim() == 0:
        return [torch.exp(log_lr)] * count
    return [torch.exp(log_lr[k]) for k in range(count)]
`;

function updatePy(opt: OptimizerSpec): string {
  if (opt.kind === 'sgd') {
    return String.raw`
def update(theta, g, state, lrs, t):
    """SGD: θ ← θ − α_k·g (no state)."""
    return [p - a * gk for p, a, gk in zip(theta, lrs, g)], []
`;
  }
  if (opt.kind === 'momentum') {
    return String.raw`
BETA = ${opt.beta}


def update(theta, g, state, lrs, t):
    """Momentum: m ← β·m + g (m₀ = 0), θ ← θ − α_k·m."""
    m = list(g) if t == 0 else [mk * BETA + gk for mk, gk in zip(state[0], g)]
    return [p - a * mk for p, a, mk in zip(theta, lrs, m)], [m]
`;
  }
  return String.raw`
B1, B2, EPS = ${opt.b1}, ${opt.b2}, ${opt.eps}


def safe_sqrt(v):
    """√v with derivative 0 where v = 0 (gradients that have been exactly 0 so far), at any order."""
    positive = v > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, v, torch.ones_like(v))), torch.zeros_like(v))


def update(theta, g, state, lrs, t):
    """Adam: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², θ ← θ − α_k·m̂/(√v̂ + ε), bias-corrected."""
    first = t == 0  # m₀ = v₀ = 0
    m = [gk * (1 - B1) if first else mk * B1 + gk * (1 - B1) for gk, mk in zip(g, g if first else state[0])]
    v = [gk * gk * (1 - B2) if first else vk * B2 + gk * gk * (1 - B2) for gk, vk in zip(g, g if first else state[1])]
    theta = [p - a * ((mk / (1 - B1 ** (t + 1))) / (safe_sqrt(vk / (1 - B2 ** (t + 1))) + EPS))
             for p, a, mk, vk in zip(theta, lrs, m, v)]
    return theta, [m, v]
`;
}

/** Python for the loss, the inner loss, the learning rates and the optimiser's update. */
export function objectivePy(loss: LossKind, optimizer: OptimizerSpec): string {
  return ['\n\n# --- The bilevel problem --------------------------------------------------------------------', loss === 'mse' ? MSE : XENT, INNER_LOSS, updatePy(optimizer)].join('');
}
