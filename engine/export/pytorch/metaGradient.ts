/**
 * The exported program's meta-gradient: T unrolled inner steps, the outer loss, and dV/dη by
 * one outer backward pass; then the result as `mixflow-result/1` JSON and the command line.
 */
import type { ModelSpec } from '../../setup/types.js';

const META_GRADIENT = String.raw`

# --- The meta-gradient -----------------------------------------------------------------------------

def loss_terms(y):
    """Shape of the per-example (per-token) losses of a batch with targets y."""
    return list(y.shape) if SETUP["loss"] == "xent" else list(y.shape[:-1])


def inner_step(mode, remat_blocks, t, n_eta, x, y, terms, *flat):
    """θ_{t+1} and the optimiser state from θ_t, learning rates, η_t and the state, all flat
    tensors (so that a recomputed step sees plain tensor arguments)."""
    n = len(PARAMS)
    theta, lrs, eta, flat_state = flat[:n], flat[n:2 * n], flat[2 * n:2 * n + n_eta], flat[2 * n + n_eta:]
    state = [list(flat_state[i:i + n]) for i in range(0, len(flat_state), n)]
    g = inner_gradient(mode, list(theta), eta, x, y, terms, remat_blocks)
    theta, state = update(list(theta), g, state, lrs, t)
    return (*theta, *(s for slot in state for s in slot))


def meta_gradient(mode, remat, dtype, device):
    """V = outer loss after T inner steps, and dV/d(each name in wrt), summed over processes."""
    remat_steps, remat_blocks = remat in ("step", "step+block"), remat in ("block", "step+block")
    theta0 = [p.to(device).requires_grad_() for p in initial_params(dtype)]
    inner = [(x.to(device), y.to(device)) for x, y in inner_batches(dtype)]
    x_out, y_out = (t.to(device) for t in batch(SETUP["outer"], STREAM_OUTER, dtype))
    terms = loss_terms(inner[0][1])  # one weight per example (per token for a transformer)
    log_lr, log_wd, logits = (None if t is None else t.to(device).requires_grad_() for t in meta_params(len(inner), terms, dtype))
    lrs, n = learning_rates(log_lr, len(theta0)), len(theta0)
    mine = share(terms[0])
    theta, flat_state = theta0, []
    for t, (x, y) in enumerate(inner):
        eta = (logits[t][mine],) if log_wd is None else (logits[t][mine], log_wd)
        step = lambda *flat, t=t, x=x[mine], y=y[mine], k=len(eta): inner_step(mode, remat_blocks, t, k, x, y, math.prod(terms), *flat)
        out = run_block(step, remat_steps, *theta, *lrs, *eta, *flat_state)
        theta, flat_state = list(out[:n]), list(out[n:])
    out_share = share(y_out.shape[0])
    losses = per_example_loss(predict(theta, x_out[out_share], remat_blocks), y_out[out_share])
    outer_loss = losses.sum() / math.prod(loss_terms(y_out))
    leaves = {"theta0": theta0, "log_lr": [log_lr], "log_wd": [log_wd], "example_logits": [logits]}
    wanted = [t for name in SETUP["wrt"] for t in leaves[name]]
    grads = torch.autograd.grad(outer_loss, wanted, allow_unused=True)
    grads = [all_reduce_result(torch.zeros_like(w) if g is None else g.detach()) for w, g in zip(wanted, grads)]
    return all_reduce_result(outer_loss.detach()).item(), grads
`;

function resultPy(model: ModelSpec): string {
  const theta0 = model.kind === 'mlp'
    ? 'out["theta0"] = [{"w": nested(tensors[k]), "b": nested(tensors[k + 1])} for k in range(0, len(tensors), 2)]'
    : 'out["theta0"] = {name: nested(t) for (name, _, _), t in zip(PARAMS, tensors)}';
  return String.raw`

# --- Result: mixflow-result/1 ----------------------------------------------------------------------

def number(v):
    """A float as JSON holds it: non-finite numbers as the strings "NaN", "Infinity", "-Infinity"."""
    return v if math.isfinite(v) else ("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity"))


def nested(t):
    """A tensor as nested lists of numbers."""
    def walk(v):
        return [walk(e) for e in v] if isinstance(v, list) else number(v)
    return walk(t.double().cpu().tolist())


def meta_grads_json(grads):
    """Each name of wrt shaped like its meta-parameter."""
    out, k = {}, 0
    for name in SETUP["wrt"]:
        if name == "theta0":
            tensors = grads[k:k + len(PARAMS)]
            k += len(PARAMS)
            ${theta0}
        else:
            out[name] = nested(grads[k])
            k += 1
    return out
`;
}

function mainPy(defaults: { mode: string; remat: string }): string {
  return String.raw`

# --- Command line ----------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["standard", "mixflow"], default="${defaults.mode}")
    parser.add_argument("--remat", choices=["none", "step", "block", "step+block"], default="${defaults.remat}")
    parser.add_argument("--precision", choices=["float32", "float64"], default="float32")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", help="cpu, or cuda (one GPU per process)")
    args = parser.parse_args()
    init_parallel(args.device)
    global DEVICE, DTYPE
    device = f"cuda:{torch.cuda.current_device()}" if args.device.startswith("cuda") else args.device
    dtype = torch.float64 if args.precision == "float64" else torch.float32
    DEVICE, DTYPE = device, dtype
    start = time.perf_counter()
    outer_loss, grads = meta_gradient(args.mode, args.remat, dtype, device)
    time_ms = (time.perf_counter() - start) * 1000
    result = {"format": "mixflow-result/1", "mode": args.mode, "remat": args.remat,
              "backend": f"pytorch-{torch.__version__}", "device": device, "processes": WORLD,
              "precision": args.precision, "outer_loss": number(outer_loss),
              "meta_grads": meta_grads_json(grads), "time_ms": time_ms}
    if device.startswith("cuda"):
        result["peak_bytes"] = torch.cuda.max_memory_allocated()
    if RANK == 0:
        print(json.dumps(result))
    if WORLD > 1:
        dist.destroy_process_group()
`;
}

export const MAIN_GUARD = '\n\nif __name__ == "__main__":\n    main()\n';

/** Python for the meta-gradient, the result and the command line (without the main guard). */
export function metaGradientPy(model: ModelSpec, defaults: { mode: string; remat: string }): string {
  return [META_GRADIENT, resultPy(model), mainPy(defaults)].join('');
}
