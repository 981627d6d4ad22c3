/**
 * The one place where the exported program's two modes differ: how the inner gradient
 * g_t = ∇_θ L_t is computed, and so how the outer backward pass goes through it. Also the
 * recomputation helper both modes use for `--remat`.
 */
export const INNER_GRADIENT_PY = String.raw`

# --- The inner gradient: where MixFlow differs from standard --------------------------------------
#
# standard: g = autograd.grad(L, θ, create_graph=True). The outer backward pass then runs
#   backward through that backward pass (reverse-over-reverse) and keeps every intermediate of
#   every inner backward pass alive until it gets there.
# mixflow: g comes from MixFlowGrad below. Its forward is one plain reverse pass that keeps
#   nothing; its backward gets the cotangent ḡ of g and needs (∂g/∂θ)ᵀḡ and (∂g/∂η)ᵀḡ. Second
#   derivatives are symmetric, so both are the directional derivative of ∇_(θ,η) L along (ḡ, 0):
#   one forward-over-reverse pass, jvp(grad L, (θ, η), (ḡ, 0)), computed when the outer backward
#   reaches step t and freed at once. Same numbers, far less memory (MixFlow-MG, ICML 2025).

class MixFlowGrad(torch.autograd.Function):
    """g = ∇_θ loss(θ, η); backward: jvp(grad loss, (θ, η), (ḡ, 0))."""

    @staticmethod
    def forward(ctx, loss, n_theta, *args):
        ctx.loss, ctx.n_theta = loss, n_theta
        ctx.save_for_backward(*args)
        with torch.enable_grad():
            return tuple(grad(loss)(args[:n_theta], args[n_theta:]))

    @staticmethod
    def backward(ctx, *g_bar):
        args = ctx.saved_tensors
        theta, eta = args[: ctx.n_theta], args[ctx.n_theta:]
        theta_dot = tuple(torch.zeros_like(p) if b is None else b for p, b in zip(theta, g_bar))
        eta_dot = tuple(torch.zeros_like(e) for e in eta)
        _, (theta_bar, eta_bar) = jvp(grad(ctx.loss, argnums=(0, 1)), (theta, eta), (theta_dot, eta_dot))
        return (None, None, *theta_bar, *eta_bar)


def inner_gradient(mode, theta, eta, x, y, terms, remat_blocks):
    """g_t = ∇_θ L_t(θ, η), summed over processes."""
    if mode == "standard":
        g = torch.autograd.grad(inner_loss(theta, eta, x, y, terms, remat_blocks), theta, create_graph=True)
    else:
        # torch.func transforms can't run saved-tensor hooks, so no block recomputation in here;
        # the forward-over-reverse pass keeps no inner-backward activations for the outer pass anyway.
        loss = lambda th, et: inner_loss(th, et, x, y, terms, False)
        g = MixFlowGrad.apply(loss, len(theta), *theta, *eta)
    return [all_reduce(gk) for gk in g]


# --- Rematerialisation -----------------------------------------------------------------------------

class Recompute(torch.autograd.Function):
    """fn(*args) keeping only args; the backward pass runs fn again and differentiates it.
    torch.utils.checkpoint does this too, but its reentrant form refuses autograd.grad and its
    non-reentrant form refuses torch.func transforms and grad-of-grad through an inner
    autograd.grad on some PyTorch versions; this one works under both modes' nesting."""

    @staticmethod
    def forward(ctx, fn, *args):
        ctx.fn = fn
        ctx.save_for_backward(*args)
        with torch.enable_grad():  # fn may itself take gradients (an inner step does)
            out = fn(*(a.detach().requires_grad_(a.requires_grad) for a in args))
        return tuple(o.detach() for o in out) if isinstance(out, tuple) else out.detach()

    @staticmethod
    def backward(ctx, *out_bar):
        create_graph = torch.is_grad_enabled()  # differentiated again (standard mode's inner gradient)
        args = ctx.saved_tensors if create_graph else [a.detach().requires_grad_(a.requires_grad) for a in ctx.saved_tensors]
        with torch.enable_grad():
            out = ctx.fn(*args)
        out = out if isinstance(out, tuple) else (out,)
        pairs = [(o, b) for o, b in zip(out, out_bar) if b is not None and o.requires_grad]
        needs = [a for a in args if a.requires_grad]
        grads = iter(torch.autograd.grad([o for o, _ in pairs], needs, [b for _, b in pairs],
                                         create_graph=create_graph, allow_unused=True))
        return (None, *(next(grads) if a.requires_grad else None for a in args))


def run_block(fn, remat, *args):
    """fn(*args), recomputed in the backward pass instead of kept when remat is on."""
    return Recompute.apply(fn, *args) if remat else fn(*args)
`;
