/** Source text of the MixFlow inner-gradient helpers inserted by the rewriter. */

export const TORCH_HELPER_NAME = 'mixflow_inner_grad';
export const JAX_HELPER_NAME = 'mixflow_grad';

export const TORCH_HELPER = `# MixFlow-MG inner gradient (inserted by \`mixflow rewrite\`): same numbers, forward-over-reverse backward.
class MixFlowInnerGrad(torch.autograd.Function):
    """Gradient of loss_fn at the flattened inputs \`leaves\` w.r.t. the leaves in \`wrt\`.

    forward: the plain gradient, no graph kept.
    backward: by symmetry of the Hessian, the VJP of the gradient with cotangent g_bar
    is jvp(grad of loss over all float inputs, inputs, (g_bar on wrt, 0 elsewhere)).
    """

    @staticmethod
    def forward(ctx, loss_fn, spec, wrt, *leaves):
        from torch.utils._pytree import tree_unflatten

        def loss_of_leaves(*xs):
            return loss_fn(*tree_unflatten(list(xs), spec))

        ctx.loss_of_leaves, ctx.wrt = loss_of_leaves, wrt
        ctx.is_tensor = [torch.is_tensor(x) for x in leaves]
        ctx.constants = [None if torch.is_tensor(x) else x for x in leaves]
        ctx.save_for_backward(*[x for x in leaves if torch.is_tensor(x)])
        return tuple(torch.func.grad(loss_of_leaves, argnums=wrt)(*leaves))

    @staticmethod
    def backward(ctx, *g_bar):
        saved = iter(ctx.saved_tensors)
        leaves = [next(saved) if is_tensor else c for is_tensor, c in zip(ctx.is_tensor, ctx.constants)]
        diff = [i for i, x in enumerate(leaves) if torch.is_tensor(x) and x.is_floating_point()]

        def grad_over_diff(*xs):
            def loss(*ys):
                full = list(leaves)
                for i, y in zip(diff, ys):
                    full[i] = y
                return ctx.loss_of_leaves(*full)
            return torch.func.grad(loss, argnums=tuple(range(len(diff))))(*xs)

        cotangent = dict(zip(ctx.wrt, g_bar))
        tangents = tuple(
            cotangent[i] if cotangent.get(i) is not None else torch.zeros_like(leaves[i]) for i in diff
        )
        _, hvp = torch.func.jvp(grad_over_diff, tuple(leaves[i] for i in diff), tangents)
        grads = [None] * len(leaves)
        for i, g in zip(diff, hvp):
            grads[i] = g
        return (None, None, None, *grads)


def ${TORCH_HELPER_NAME}(loss_fn, args, argnums):
    """Like torch.autograd.grad(loss_fn(*args), [args[i] for i in argnums], create_graph=True)."""
    from torch.utils._pytree import tree_flatten

    leaves, spec = tree_flatten(tuple(args))
    wrt, start = [], 0
    for index, arg in enumerate(args):
        count = len(tree_flatten(arg)[0])
        if index in argnums:
            wrt.extend(range(start, start + count))
        start += count
    return MixFlowInnerGrad.apply(loss_fn, spec, tuple(wrt), *leaves)`;

export const JAX_HELPER = `# MixFlow-MG inner gradient (inserted by \`mixflow rewrite\`): same numbers, forward-over-reverse backward.
def ${JAX_HELPER_NAME}(loss_fn):
    """jax.grad(loss_fn) whose VJP is one jax.jvp of jax.grad (symmetry of the Hessian)."""

    @jax.custom_vjp
    def inner_grad(params, *args):
        return jax.grad(loss_fn)(params, *args)

    def inner_grad_fwd(params, *args):
        return inner_grad(params, *args), (params, args)

    def inner_grad_bwd(residuals, g_bar):
        params, args = residuals
        full_grad = jax.grad(lambda p, a: loss_fn(p, *a), argnums=(0, 1))
        zeros = jax.tree_util.tree_map(jax.numpy.zeros_like, args)
        _, (d_params, d_args) = jax.jvp(full_grad, (params, args), (g_bar, zeros))
        return (d_params, *d_args)

    inner_grad.defvjp(inner_grad_fwd, inner_grad_bwd)
    return inner_grad`;
