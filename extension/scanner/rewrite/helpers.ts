/** Source text of the MixFlow inner-gradient helpers inserted by the rewriter. */

export const TORCH_HELPER_NAME = 'mixflow_inner_grad';
export const JAX_HELPER_NAME = 'mixflow_grad';
export const TORCH_FUNC_HELPER_NAME = 'mixflow_grad';
export const TASK_MAP_NAME = 'mixflow_task_map';
export const JAX_VALUE_AND_GRAD_NAME = 'mixflow_value_and_grad';

export const TORCH_HELPER = `# MixFlow-MG inner gradient (inserted by \`mixflow rewrite\`): the same numbers as
# torch.autograd.grad(..., create_graph=True), but its backward is one forward-over-reverse pass
# (jvp of grad, by symmetry of the Hessian) instead of a stored second backward graph.
class MixFlowInnerGrad(torch.autograd.Function):
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

        def grad_over_diff(*xs):  # gradient w.r.t. every float input (meta-parameters included)
            def loss(*ys):
                full = list(leaves)
                for i, y in zip(diff, ys):
                    full[i] = y
                return ctx.loss_of_leaves(*full)
            return torch.func.grad(loss, argnums=tuple(range(len(diff))))(*xs)

        cotangent = dict(zip(ctx.wrt, g_bar))
        tangents = tuple(cotangent[i] if cotangent.get(i) is not None else torch.zeros_like(leaves[i]) for i in diff)
        _, hvp = torch.func.jvp(grad_over_diff, tuple(leaves[i] for i in diff), tangents)
        grads = [None] * len(leaves)
        for i, g in zip(diff, hvp):
            grads[i] = g
        return (None, None, None, *grads)


_MIXFLOW_CHECKED = {}


def ${TORCH_HELPER_NAME}(loss_fn, args, argnums):
    """Like torch.autograd.grad(loss_fn(*args), [args[i] for i in argnums], create_graph=True)."""
    from torch.utils._pytree import tree_flatten, tree_unflatten

    leaves, spec = tree_flatten(tuple(args))
    wrt, start = [], 0
    for index, arg in enumerate(args):
        count = len(tree_flatten(arg)[0])
        if index in argnums:
            wrt.extend(range(start, start + count))
        start += count
    code = getattr(loss_fn, "__code__", loss_fn)
    if code not in _MIXFLOW_CHECKED:  # once per loss: does it read a tensor that needs a gradient but is not an argument?
        with torch.enable_grad():
            probe = loss_fn(*tree_unflatten([x.detach() if torch.is_tensor(x) else x for x in leaves], spec))
        _MIXFLOW_CHECKED[code] = torch.is_tensor(probe) and probe.requires_grad
        if _MIXFLOW_CHECKED[code]:
            import warnings
            warnings.warn("mixflow: the inner loss reads tensors that require grad but are not its arguments; using reverse-over-reverse there")
    if _MIXFLOW_CHECKED[code]:
        return torch.autograd.grad(loss_fn(*args), [leaves[i] for i in wrt], create_graph=True)
    return MixFlowInnerGrad.apply(loss_fn, spec, tuple(wrt), *leaves)


def ${TORCH_FUNC_HELPER_NAME}(loss_fn, argnums=0, has_aux=False, with_value=False):
    """torch.func.grad (with_value: grad_and_value) of loss_fn through ${TORCH_HELPER_NAME}."""
    from torch.utils._pytree import tree_flatten, tree_unflatten

    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def grad_fn(*args):
        flat = ${TORCH_HELPER_NAME}(lambda *a: loss_fn(*a)[0] if has_aux else loss_fn(*a), args, nums)
        grads, start = [], 0
        for i in nums:
            leaves, spec = tree_flatten(args[i])
            grads.append(tree_unflatten(list(flat[start:start + len(leaves)]), spec))
            start += len(leaves)
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        if not (has_aux or with_value):
            return g
        out = loss_fn(*args)  # value (and aux): one more forward, differentiable as usual
        if with_value:
            return g, out
        return g, out[1]

    return grad_fn


def ${TASK_MAP_NAME}(fn):
    """torch.func.vmap(fn) over dim 0 as a loop: autograd.Function does not run under vmap."""
    from torch.utils._pytree import tree_flatten, tree_unflatten

    def mapped(*args):
        leaves, spec = tree_flatten(args)
        size = next(x.shape[0] for x in leaves if torch.is_tensor(x))
        outs = [fn(*tree_unflatten([x[i] if torch.is_tensor(x) else x for x in leaves], spec)) for i in range(size)]
        out_spec = tree_flatten(outs[0])[1]
        columns = zip(*(tree_flatten(o)[0] for o in outs))
        return tree_unflatten([torch.stack([torch.as_tensor(c) for c in column]) for column in columns], out_spec)

    return mapped`;

export const JAX_HELPER = `# MixFlow-MG inner gradient (inserted by \`mixflow rewrite\`): the same numbers as jax.grad,
# but its VJP is one jax.jvp of jax.grad (symmetry of the Hessian), not a stored second backward pass.
def ${JAX_HELPER_NAME}(loss_fn, has_aux=False):
    """jax.grad(loss_fn, has_aux=has_aux) with a forward-over-reverse VJP."""

    def value(params, *args):
        out = loss_fn(params, *args)
        return out[0] if has_aux else out

    @jax.custom_vjp
    def inner_grad(params, *args):
        return jax.grad(value)(params, *args)

    def inner_grad_fwd(params, *args):
        return inner_grad(params, *args), (params, args)

    def inner_grad_bwd(residuals, g_bar):
        params, args = residuals
        full_grad = jax.grad(lambda p, a: value(p, *a), argnums=(0, 1))
        zeros = jax.tree_util.tree_map(jax.numpy.zeros_like, args)
        _, (d_params, d_args) = jax.jvp(full_grad, (params, args), (g_bar, zeros))
        return (d_params, *d_args)

    inner_grad.defvjp(inner_grad_fwd, inner_grad_bwd)
    if not has_aux:
        return inner_grad
    return lambda params, *args: (inner_grad(params, *args), loss_fn(params, *args)[1])


def ${JAX_VALUE_AND_GRAD_NAME}(loss_fn, has_aux=False):
    """jax.value_and_grad(loss_fn, has_aux=has_aux) with a forward-over-reverse VJP for the gradient."""
    grad_fn = ${JAX_HELPER_NAME}(loss_fn, has_aux=has_aux)

    def value_and_grad(params, *args):
        g = grad_fn(params, *args)
        return loss_fn(params, *args), (g[0] if has_aux else g)

    return value_and_grad`;
