"""Float64 PyTorch references for test/engine/convTorch.test.ts.

Reads a JSON list of cases on stdin and prints, per case, the output, the gradient of
sum(out * ct) with respect to every input (first order) and, where asked, a Hessian-vector
product by double backward. Run by the test with Debian's /usr/bin/python3 (PyTorch 1.13).
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def tensor(spec, grad=True):
    return torch.tensor(spec["data"], dtype=torch.float64).reshape(spec["shape"]).requires_grad_(grad)


def apply(op, p, xs):
    if op == "conv2d":
        t, l, b, r = p["pads"]
        x = F.pad(xs[0], (l, r, t, b))
        return F.conv2d(x, xs[1], stride=p["strides"], dilation=p["dilations"], groups=p["groups"])
    if op == "maxPool2d":
        t, l, b, r = p["pads"]
        assert t == b and l == r, "torch pads symmetrically"
        return F.max_pool2d(xs[0], p["kernel"], p["strides"], (t, l), p["dilations"], ceil_mode=p["ceilMode"])
    if op == "avgPool2d":
        t, l, b, r = p["pads"]
        assert t == b and l == r, "torch pads symmetrically"
        return F.avg_pool2d(xs[0], p["kernel"], p["strides"], (t, l), ceil_mode=p["ceilMode"], count_include_pad=p["countIncludePad"])
    if op == "batchNormTraining":
        return F.batch_norm(xs[0], None, None, xs[1], xs[2], training=True, eps=p["eps"])
    if op == "batchNormInference":
        # F.batch_norm has no derivative in the running statistics: the same formula by hand,
        # checked against it.
        x, g, b, m, v = xs
        per = lambda t: t.reshape(1, -1, *([1] * (x.dim() - 2)))
        y = (x - per(m)) / torch.sqrt(per(v) + p["eps"]) * per(g) + per(b)
        ref = F.batch_norm(x, m.detach(), v.detach(), g, b, training=False, eps=p["eps"])
        assert torch.allclose(y, ref, rtol=1e-12, atol=1e-12)
        return y
    if op == "erf":
        return torch.erf(xs[0])
    if op == "leakyRelu":
        return F.leaky_relu(xs[0], p["alpha"])
    if op == "cnn":
        # conv -> batch norm (batch statistics) -> relu -> max-pool, then a fixed readout.
        x, w, g, b = xs
        h = F.conv2d(F.pad(x, (1, 1, 1, 1)), w)
        h = F.relu(F.batch_norm(h, None, None, g, b, training=True, eps=1e-5))
        return F.max_pool2d(h, 2, 2, 0, 1, ceil_mode=True)
    raise ValueError(op)


def run(case):
    xs = [tensor(s) for s in case["inputs"]]
    out = apply(case["op"], case["params"], xs)
    ct = torch.tensor(case["ct"]).reshape(out.shape)
    grads = torch.autograd.grad((out * ct).sum(), xs, create_graph=True, allow_unused=True)
    res = {"shape": list(out.shape), "out": out.detach().flatten().tolist(),
           "grads": [None if g is None else g.detach().flatten().tolist() for g in grads]}
    if "dirs" in case:
        dirs = [torch.tensor(d["data"]).reshape(d["shape"]) for d in case["dirs"]]
        gv = sum((g * d).sum() for g, d in zip(grads, dirs) if g is not None)
        hv = torch.autograd.grad(gv, xs, allow_unused=True)
        res["hvp"] = [None if h is None else h.flatten().tolist() for h in hv]
    return res


def geometry(g):
    """Pooled shapes, and average pooling of ones (real taps / divisor), for one configuration."""
    x = torch.ones(g["x"])
    pads = (g["pads"][0], g["pads"][1])
    mx = F.max_pool2d(x, g["kernel"], g["strides"], pads, g["dilations"], ceil_mode=g["ceilMode"])
    av = F.avg_pool2d(x, g["kernel"], g["strides"], pads, ceil_mode=g["ceilMode"], count_include_pad=g["countIncludePad"])
    return {"max": list(mx.shape), "avg": list(av.shape), "avgOfOnes": av.flatten().tolist()}


request = json.load(sys.stdin)
print(json.dumps({"cases": [run(c) for c in request["cases"]], "geometry": [geometry(g) for g in request["geometry"]]}))
