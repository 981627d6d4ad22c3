/**
 * The model in the exported program: the setup's MLP or pre-norm causal transformer, written as
 * the spec defines it, with softmax and LayerNorm from primitive ops (their forward-mode rules
 * exist in every PyTorch that has torch.func).
 */
import type { ModelSpec } from '../../setup/types.js';

const ACTIVATIONS: Record<string, string> = {
  tanh: 'torch.tanh',
  relu: 'torch.relu',
  sigmoid: 'torch.sigmoid',
  gelu: 'gelu',
};

const GELU = String.raw`

def gelu(z):
    """GELU, tanh form: 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))."""
    return 0.5 * z * (1 + torch.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z * z * z)))
`;

function mlpPy(activation: string): string {
  return String.raw`

# --- Model: MLP ---------------------------------------------------------------------------------
${activation === 'gelu' ? GELU : ''}
ACTIVATION = ${ACTIVATIONS[activation]}


def predict(theta, x, remat_blocks):
    """h ↦ act(h·W_k + b_k) for every layer but the last; with remat_blocks each layer is recomputed
    in the backward pass instead of kept."""
    layers = len(theta) // 2
    h = x
    for k in range(layers):
        def layer(h, w, b, last=k == layers - 1):
            z = h @ w + b
            return z if last else ACTIVATION(z)
        h = run_block(layer, remat_blocks, h, theta[2 * k], theta[2 * k + 1])
    return h
`;
}

const TRANSFORMER = String.raw`

# --- Model: decoder-only pre-norm causal transformer ---------------------------------------------
${GELU}

def layer_norm(x, gain, bias, eps=1e-5):
    centred = x - x.mean(-1, keepdim=True)
    return centred / torch.sqrt((centred * centred).mean(-1, keepdim=True) + eps) * gain + bias


def softmax(scores):
    e = torch.exp(scores - scores.max(-1, keepdim=True).values.detach())  # the shift cancels
    return e / e.sum(-1, keepdim=True)


def attention(h, wq, wk, wv, wo, heads):
    """Causal multi-head self-attention; queries scaled before the product."""
    B, S, D = h.shape
    def split(t):
        return t.reshape(B, S, heads, D // heads).transpose(1, 2)
    q = split(h @ wq * (1 / math.sqrt(D // heads)))
    k, v = split(h @ wk), split(h @ wv)
    keep = torch.arange(S, device=h.device)[:, None] >= torch.arange(S, device=h.device)[None, :]
    causal = torch.where(keep, torch.zeros((), dtype=h.dtype, device=h.device), torch.full((), -1e9, dtype=h.dtype, device=h.device))
    probs = softmax(q @ k.transpose(-1, -2) + causal)
    return (probs @ v).transpose(1, 2).reshape(B, S, D) @ wo


def block(x, ln1_g, ln1_b, wq, wk, wv, wo, ln2_g, ln2_b, w1, b1, w2, b2):
    """x + attn(LN(x)), then + MLP(LN(·)) with gelu."""
    x = x + attention(layer_norm(x, ln1_g, ln1_b), wq, wk, wv, wo, SETUP["model"]["heads"])
    return x + gelu(layer_norm(x, ln2_g, ln2_b) @ w1 + b1) @ w2 + b2


def predict(theta, ids, remat_blocks):
    """Token + position embeddings, the blocks (each recomputed in the backward pass with
    remat_blocks), final LayerNorm, output projection: logits [B, S, V]."""
    p = {name: t for (name, _, _), t in zip(PARAMS, theta)}
    x = p["tok_emb"][ids] + p["pos_emb"][: ids.shape[1]]
    for i in range(SETUP["model"]["layers"]):
        names = ["ln1.g", "ln1.b", "attn.wq", "attn.wk", "attn.wv", "attn.wo", "ln2.g", "ln2.b", "mlp.w1", "mlp.b1", "mlp.w2", "mlp.b2"]
        x = run_block(block, remat_blocks, x, *(p[f"block{i}.{n}"] for n in names))
    return layer_norm(x, p["ln_f.g"], p["ln_f.b"]) @ p["out.w"] + p["out.b"]
`;

/** Python for the setup's model: `predict(theta, x, remat_blocks)`. */
export function modelPy(model: ModelSpec): string {
  return model.kind === 'mlp' ? mlpPy(model.activation) : TRANSFORMER;
}
