/**
 * The exported program's data: θ's tensor list (names, shapes, kinds) in the setup's order,
 * θ₀, the inner and outer batches and η with their defaults, read from the embedded setup.
 */
import type { ModelSpec } from '../../setup/types.js';

const MLP_PARAMS = String.raw`
def param_specs(model):
    """θ's tensors in order: layer{k}.w [d_k, d_k+1], layer{k}.b [d_k+1]; (name, shape, kind)."""
    s = model["sizes"]
    return [spec for k in range(len(s) - 1)
            for spec in ((f"layer{k}.w", [s[k], s[k + 1]], "matrix"), (f"layer{k}.b", [s[k + 1]], "bias"))]
`;

const TRANSFORMER_PARAMS = String.raw`
def param_specs(model):
    """θ's tensors in MixFlow Studio's documented order: (name, shape, kind)."""
    V, D, S, F = model["vocab"], model["d_model"], model["seq"], model["d_ff"]
    specs = [("tok_emb", [V, D], "embedding"), ("pos_emb", [S, D], "embedding")]
    for i in range(model["layers"]):
        b = f"block{i}"
        specs += [(f"{b}.ln1.g", [D], "norm_gain"), (f"{b}.ln1.b", [D], "bias")]
        specs += [(f"{b}.attn.w{n}", [D, D], "matrix") for n in "qkvo"]
        specs += [(f"{b}.ln2.g", [D], "norm_gain"), (f"{b}.ln2.b", [D], "bias")]
        specs += [(f"{b}.mlp.w1", [D, F], "matrix"), (f"{b}.mlp.b1", [F], "bias"),
                  (f"{b}.mlp.w2", [F, D], "matrix"), (f"{b}.mlp.b2", [D], "bias")]
    return specs + [("ln_f.g", [D], "norm_gain"), ("ln_f.b", [D], "bias"), ("out.w", [D, V], "matrix"), ("out.b", [V], "bias")]
`;

const INITIAL_PARAMS = String.raw`
PARAMS = param_specs(SETUP["model"])
DECAYED = [kind == "matrix" for _, _, kind in PARAMS]  # weight decay: matrices only


def initial_params(dtype):
    """θ₀: the setup's arrays, or generated: Glorot-uniform matrices, N(0, 0.02²) embeddings,
    unit norm gains, zero biases; tensor k from stream (seed, STREAM_PARAM + k)."""
    spec = SETUP["theta0"]
    if isinstance(spec, list):  # [{"w": W_0, "b": b_0}, …]
        return [torch.tensor(layer[key], dtype=dtype) for layer in spec for key in ("w", "b")]
    out = []
    for k, (_, shape, kind) in enumerate(PARAMS):
        rng, n = Prng(spec["seed"], STREAM_PARAM + k), math.prod(shape)
        if kind == "matrix":
            a = math.sqrt(6 / (shape[0] + shape[1]))
            values = [rng.uniform(-a, a) for _ in range(n)]
        elif kind == "embedding":
            values = [0.02 * rng.normal() for _ in range(n)]
        else:
            values = [1.0 if kind == "norm_gain" else 0.0] * n
        out.append(torch.tensor(values, dtype=dtype).reshape(shape))
    return out
`;

const MLP_SHAPES = String.raw`
EXAMPLE_SHAPE, PREDICTION_WIDTH = SETUP["model"]["sizes"][:1], SETUP["model"]["sizes"][-1]
`;

const VECTOR_BATCH = String.raw`
def batch(spec, stream, dtype):
    """(x, y): explicit arrays, or synthetic: x ~ N(0,1) [B, *EXAMPLE_SHAPE], then y (mse: N(0,1)
    [B, PREDICTION_WIDTH]; xent: classes uniform over PREDICTION_WIDTH)."""
    y_dtype = torch.long if SETUP["loss"] == "xent" else dtype
    if "synthetic" not in spec:
        return torch.tensor(spec["x"], dtype=dtype), torch.tensor(spec["y"], dtype=y_dtype)
    rng, B = Prng(spec["synthetic"]["seed"], stream), spec["synthetic"]["batch"]
    x = torch.tensor([rng.normal() for _ in range(B * math.prod(EXAMPLE_SHAPE))], dtype=dtype).reshape(B, *EXAMPLE_SHAPE)
    if SETUP["loss"] == "xent":
        return x, torch.tensor([rng.int(PREDICTION_WIDTH) for _ in range(B)], dtype=y_dtype)
    return x, torch.tensor([rng.normal() for _ in range(B * PREDICTION_WIDTH)], dtype=dtype).reshape(B, PREDICTION_WIDTH)
`;

const TRANSFORMER_BATCH = String.raw`
def batch(spec, stream, dtype):
    """(x, y) token ids [B, S]: explicit, or synthetic: B sequences of S+1 uniform tokens, x = the
    first S, y = the last S."""
    if "synthetic" not in spec:
        return torch.tensor(spec["x"], dtype=torch.long), torch.tensor(spec["y"], dtype=torch.long)
    rng, B = Prng(spec["synthetic"]["seed"], stream), spec["synthetic"]["batch"]
    S, V = SETUP["model"]["seq"], SETUP["model"]["vocab"]
    tokens = torch.tensor([rng.int(V) for _ in range(B * (S + 1))], dtype=torch.long).reshape(B, S + 1)
    return tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()
`;

const BATCHES_AND_ETA = String.raw`
def inner_batches(dtype):
    """One batch per inner step t (synthetic: stream (seed, STREAM_INNER + t))."""
    spec = SETUP["inner"]
    if isinstance(spec, list):
        return [batch(b, 0, dtype) for b in spec]
    return [batch(spec, STREAM_INNER + t, dtype) for t in range(spec["steps"])]


def meta_params(steps, loss_terms_shape, dtype):
    """η with its defaults: log_lr = log(0.01) shared; log_wd absent (no decay); example logits 0."""
    eta = SETUP.get("eta", {})
    log_lr = torch.tensor(eta.get("log_lr", math.log(0.01)), dtype=dtype)
    log_wd = torch.tensor(eta["log_wd"], dtype=dtype) if "log_wd" in eta else None
    if "example_logits" in eta:
        logits = torch.tensor(eta["example_logits"], dtype=dtype)
    else:
        logits = torch.zeros([steps, *loss_terms_shape], dtype=dtype)
    return log_lr, log_wd, logits
`;

/** Python for the setup's data, for its model kind (an ONNX model's θ₀ comes with the model). */
export function dataPy(model: ModelSpec): string {
  const parts = {
    mlp: [MLP_PARAMS, INITIAL_PARAMS, MLP_SHAPES, VECTOR_BATCH],
    transformer: [TRANSFORMER_PARAMS, INITIAL_PARAMS, TRANSFORMER_BATCH],
    onnx: [VECTOR_BATCH],
  }[model.kind];
  return ['\n\n# --- Data: θ₀, batches and η, from the setup ---------------------------------------------------', ...parts, BATCHES_AND_ETA].join('');
}
