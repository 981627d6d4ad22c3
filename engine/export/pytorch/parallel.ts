/**
 * Data parallelism in the exported program: each process takes a contiguous share of every
 * batch; sums cross processes through differentiable all-reduces, so that the backward passes of
 * all processes together differentiate the one-process problem.
 */
/** Python for data parallelism; `wholeBatch` says why this model can't split a batch, if it can't. */
export function parallelPy(wholeBatch?: string): string {
  return String.raw`

# --- Data parallelism (torchrun) -------------------------------------------------------------------
# Every process holds θ, η and the optimiser state whole and takes a contiguous share of each
# batch. Inner gradients are summed across processes with a differentiable all-reduce (whose
# backward is again an all-reduce), so each process's backward pass yields its share of every
# meta-gradient; the shares are summed at the end. Any number of processes gives the numbers
# of one.
RANK, WORLD = 0, 1


def init_parallel(device):
    global RANK, WORLD
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
        RANK, WORLD = dist.get_rank(), dist.get_world_size()${wholeBatch ? `
        if WORLD > 1:
            raise SystemExit(${JSON.stringify(`this model runs in one process only: ${wholeBatch}`)})` : ''}
        if device.startswith("cuda"):
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))


def share(n):
    """This process's rows [lo, hi) of a batch of n."""
    return slice(RANK * n // WORLD, (RANK + 1) * n // WORLD)


def all_reduce(t):
    """Σ over processes, differentiable."""
    return dist_nn.all_reduce(t) if WORLD > 1 else t


def all_reduce_result(t):
    """Σ over processes of a final result (no graph)."""
    if WORLD > 1:
        dist.all_reduce(t)
    return t
`;
}
