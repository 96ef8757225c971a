#!/usr/bin/env python3
"""bench:train's PyTorch peer: slmlab's models re-implemented exactly, timed the way the TS bench times slmlab.

Same as slmlab (apps/worker/src/ml/models): the linear, mlp, attention and transformer models, post-LN (packed
q/k/v, xavier weights, zero biases, dropout on the attention weights) and pre-LN (separate q/k/v/o, dropout on
the attention output and twice after the FFN), learned / RoPE (rotate-half) / no positions, last-token (only the
last position reaches ln_f and the head; the last block pruned to that position unless SLMLAB_PEER_PRUNE=0) and all-tokens; dropout in train mode, skipped at rate 0 as slmlab
skips it; Adam(0.9, 0.999, 1e-8) at the spec's lr; batch and T of the spec; random windows of a synthetic token
stream; one loss read back per step; tokens counted as B*T per step; one warm-up step left out, then steps
until `seconds` have passed (at least 2). Eager mode, float32.

torch.set_num_threads() does not reach OpenBLAS's own pthreads (Debian's libopenblas0-pthread): a "1 thread"
peer would multiply on every core. The BLAS's thread count is set through its C API as well.

  torch-peer.py serve                      JSON commands on stdin, one JSON answer per line on stdout
  torch-peer.py count SPEC V               parameter count of the spec's model over V tokens
  torch-peer.py train SPEC V THREADS SECONDS
  torch-peer.py peak THREADS               best GFLOP/s of a 1024² fp32 torch.mm
Commands (serve): {"op": "info"} | {"op": "count", "spec", "vocab"} | {"op": "loss", "spec", "vocab", "weights", "x", "y"} |
  {"op": "train", "spec", "vocab", "threads", "seconds"} | {"op": "peak", "threads", "n"?, "trials"?}.
Run it with OMP_WAIT_POLICY=PASSIVE: OpenMP's idle threads then sleep instead of spinning.
"""
import ctypes
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# last-token: the final block computes keys and values at every position and the rest at the last one only, as
# slmlab does (usePrunedLastBlock); SLMLAB_PEER_PRUNE=0 computes every position, as the study's code does.
PRUNE = os.environ.get("SLMLAB_PEER_PRUNE", "1") != "0"


def drop(x, p, training):
    return F.dropout(x, p, True) if training and p > 0 else x


class Attention(nn.Module):
    def __init__(self, m, d, T):
        super().__init__()
        self.heads, self.p, self.packed = m["heads"], m["attnDropout"], m["block"] == "post-ln"
        if self.packed:  # nn.MultiheadAttention's packed input projection
            self.qkv = nn.Linear(d, 3 * d)
            nn.init.xavier_uniform_(self.qkv.weight)
            nn.init.zeros_(self.qkv.bias)
        else:
            self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.out = nn.Linear(d, d)
        if self.packed:
            nn.init.zeros_(self.out.bias)
        self.register_buffer("causal", torch.tril(torch.ones(T, T, dtype=torch.bool)), persistent=False)
        self.rope = m["positions"] == "rope"
        if self.rope:
            hd, half = d // self.heads, d // self.heads // 2
            freq = m["ropeBase"] ** (-torch.arange(half, dtype=torch.float64) / half)
            angle = torch.arange(T, dtype=torch.float64)[:, None] * freq  # [T, hd/2]
            self.register_buffer("cos", torch.cat([angle.cos()] * 2, -1).float(), persistent=False)  # [T, hd]
            self.register_buffer("sin", torch.cat([angle.sin()] * 2, -1).float(), persistent=False)

    def rotate(self, x, start=0):  # [B, H, T, hd] at positions start..: x*cos + rotate_half(x)*sin
        x1, x2 = x.chunk(2, -1)
        T = x.shape[2]
        return x * self.cos[start : start + T] + torch.cat([-x2, x1], -1) * self.sin[start : start + T]

    def forward(self, x, last_only=False):  # [B, T, d] -> [B, T, d], or [B, 1, d] for the last query only
        B, T, d = x.shape
        q, k, v = self.qkv(x).split(d, 2) if self.packed else (self.q(x), self.k(x), self.v(x))
        if last_only:  # the pruned last block: (slmlab's usePrunedLastBlock) one query, every key
            q = self.qkv(x[:, -1:])[..., :d] if self.packed else self.q(x[:, -1:])
        Tq = q.shape[1]
        q = q.reshape(B, Tq, self.heads, d // self.heads).transpose(1, 2)  # [B, H, Tq, hd]
        k, v = (t.view(B, T, self.heads, d // self.heads).transpose(1, 2) for t in (k, v))  # [B, H, T, hd]
        if self.rope:
            q, k = self.rotate(q, T - Tq), self.rotate(k)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))  # [B, H, Tq, T]
        if not last_only:  # the last query sees every key
            att = att.masked_fill(~self.causal[:T, :T], float("-inf"))
        y = drop(F.softmax(att, -1), self.p, self.training) @ v  # [B, H, Tq, hd]
        return self.out(y.transpose(1, 2).reshape(B, Tq, d))


class Block(nn.Module):
    def __init__(self, m, T):
        super().__init__()
        d = m["dModel"]
        self.attn, self.ln1, self.ln2 = Attention(m, d, T), nn.LayerNorm(d), nn.LayerNorm(d)
        self.up, self.down = nn.Linear(d, m["ffnHidden"]), nn.Linear(m["ffnHidden"], d)
        self.p, self.post = m["dropout"], m["block"] == "post-ln"

    def ffn(self, x):
        return self.down(F.relu(self.up(x)))

    def forward(self, x, last_only=False):  # last_only: the output at the last position, [B, 1, d]
        p, t = self.p, self.training
        res = x[:, -1:] if last_only else x
        if self.post:  # x = LN(x + MHA(x)); x = LN(x + Dropout(FFN(x)))
            x = self.ln1(res + self.attn(x, last_only))
            return self.ln2(x + drop(self.ffn(x), p, t))
        x = res + drop(self.attn(self.ln1(x), last_only), p, t)  # x = x + Dropout(Wo·Attn(LN(x)))
        return x + drop(drop(self.ffn(self.ln2(x)), p, t), p, t)  # x = x + Dropout(Dropout(FFN(LN(x))))


class Transformer(nn.Module):
    def __init__(self, m, V, objective):
        super().__init__()
        d, T = m["dModel"], m["contextLength"]
        self.tok_emb = nn.Embedding(V, d)
        self.pos_emb = nn.Embedding(T, d) if m["positions"] == "learned" else None
        layers = 1 if m["kind"] == "attention" else m["layers"]
        self.blocks = nn.ModuleList(Block(m, T) for _ in range(layers))
        self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, V)
        self.last = objective == "last-token"

    def forward(self, idx):  # [B, T] -> [B, T', V]
        x = self.tok_emb(idx)  # [B, T, d]
        if self.pos_emb is not None:
            x = x + self.pos_emb.weight[: idx.shape[1]]
        for i, b in enumerate(self.blocks):
            x = b(x, self.last and PRUNE and i == len(self.blocks) - 1)
        if self.last and not PRUNE:
            x = x[:, -1:]  # [B, 1, d]: only the last position reaches the head
        return self.head(self.ln_f(x))


class Flat(nn.Module):
    """linear: Embedding -> flatten -> Linear(T*d, V); mlp: + (Linear(h) -> ReLU -> Dropout) x layers."""

    def __init__(self, m, V):
        super().__init__()
        d, T = m["dModel"], m["contextLength"]
        self.tok_emb = nn.Embedding(V, d)
        widths = [T * d] + ([m["hidden"]] * m["hiddenLayers"] if m["kind"] == "mlp" else [])
        self.hidden = nn.ModuleList(nn.Linear(i, o) for i, o in zip(widths, widths[1:]))
        self.head, self.p = nn.Linear(widths[-1], V), m.get("dropout", 0)

    def forward(self, idx):
        x = self.tok_emb(idx).flatten(1)  # [B, T*d]
        for fc in self.hidden:
            x = drop(F.relu(fc(x)), self.p, self.training)
        return self.head(x)[:, None]  # [B, 1, V]


def build(spec, V):
    m = spec["model"]
    if m["kind"] in ("linear", "mlp"):
        return Flat(m, V)
    if m["kind"] in ("attention", "transformer"):
        return Transformer(m, V, spec["training"]["objective"])
    raise ValueError(f"unknown model kind {m['kind']}")


def count(spec, V):
    return sum(p.numel() for p in build(spec, V).parameters())


def torch_name(name):
    """slmlab's parameter name -> this file's (slmlab's dense weights are [in, out]: x·W, so they transpose)."""
    if name in ("tok_emb", "pos_emb"):
        return f"{name}.weight"
    stem, leaf = name.rsplit(".", 1)  # leaf: w, b (dense), g, b (LayerNorm)
    stem = re.sub(r"^fc(\d+)$", r"hidden.\1", stem).replace(".ffn.", ".").replace(".attn.in", ".attn.qkv")
    return f"{stem}.{'bias' if leaf == 'b' else 'weight'}"


def eval_loss(spec, V, weights, x, y):
    """Eval-mode loss with slmlab's weights ({name: [shape, values]}) on slmlab's batch: the same function?"""
    model = build(spec, V).eval()
    params = dict(model.named_parameters())
    for name, (shape, values) in weights.items():
        value = torch.tensor(values, dtype=torch.float32).view(*shape)
        with torch.no_grad():
            params.pop(torch_name(name)).copy_(value.t() if name.endswith(".w") else value)
    if params:
        raise ValueError(f"slmlab has no weights for {sorted(params)}")
    with torch.no_grad():
        logits = model(torch.tensor(x).view(-1, spec["model"]["contextLength"]))
        return F.cross_entropy(logits.reshape(-1, V), torch.tensor(y)).item()


def blas_library():
    """The BLAS this process runs, from its mapped files (Debian's torch links libblas.so.3, an alternative)."""
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1]})
    return next((p for p in paths if "libopenblas" in p), paths[0] if paths else "unknown")


BLAS = blas_library()
_openblas = ctypes.CDLL(BLAS) if "libopenblas" in BLAS else None


def set_threads(n):
    torch.set_num_threads(n)
    if _openblas is not None:
        _openblas.openblas_set_num_threads(n)


def info():
    return {"torch": torch.__version__, "blas": BLAS, "openblas": _openblas is not None,
            "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY"), "cores": os.cpu_count()}


def train(spec, V, threads, seconds, warmup=1):
    set_threads(threads)
    torch.manual_seed(spec["training"]["seed"])
    T, B = spec["model"]["contextLength"], spec["training"]["batchSize"]
    model = build(spec, V).train()
    opt = torch.optim.Adam(model.parameters(), lr=spec["training"]["learningRate"], betas=(0.9, 0.999), eps=1e-8)
    tokens = torch.arange(200_000) * 7919 % V  # the TS bench's stream
    offsets, windows = torch.arange(T), tokens.numel() - T - 1
    all_tokens = spec["training"]["objective"] == "all-tokens"

    def step():
        starts = torch.randint(windows, (B, 1))
        x = tokens[starts + offsets]  # [B, T]
        y = tokens[starts + offsets + 1] if all_tokens else tokens[starts[:, 0] + T]  # [B, T] or [B]
        logits = model(x)  # [B, T', V]
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()  # one read back per step, as slmlab awaits each loss

    for _ in range(warmup):
        step()
    steps, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds or steps < 2:
        loss = step()
        steps += 1
    wall = time.perf_counter() - t0
    return {"params": sum(p.numel() for p in model.parameters()), "tokensPerSec": steps * B * T / wall,
            "steps": steps, "seconds": wall, "cpuPerWall": (time.process_time() - c0) / wall, "loss": loss}


def peak(threads, n=1024, trials=5, ms_per_trial=500):
    """GFLOP/s of an n x n fp32 torch.mm: the best of `trials` runs (other load only lowers it)."""
    set_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best, cpu = 0.0, 0.0
    for _ in range(trials):
        reps, t0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < ms_per_trial / 1000 or reps == 0:
            torch.mm(a, b)
            reps += 1
        wall = time.perf_counter() - t0
        if 2 * n**3 * reps / wall / 1e9 > best:
            best, cpu = 2 * n**3 * reps / wall / 1e9, (time.process_time() - c0) / wall
    blas = _openblas.openblas_get_num_threads() if _openblas is not None else 1
    return {"threads": threads, "blasThreads": blas, "n": n, "gflops": best, "cpuPerWall": cpu}


def answer(cmd):
    op = cmd.get("op")
    if op == "info":
        return info()
    if op == "count":
        return {"params": count(cmd["spec"], cmd["vocab"])}
    if op == "train":
        return train(cmd["spec"], cmd["vocab"], cmd["threads"], cmd["seconds"], cmd.get("warmup", 1))
    if op == "loss":
        return {"loss": eval_loss(cmd["spec"], cmd["vocab"], cmd["weights"], cmd["x"], cmd["y"])}
    if op == "peak":
        return peak(cmd["threads"], cmd.get("n", 1024), cmd.get("trials", 5), cmd.get("msPerTrial", 500))
    raise ValueError(f"unknown op {op!r}")


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = answer(json.loads(line))
        except Exception as e:  # one bad command must not end the session: say why and carry on
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


def main(argv):
    if argv[:1] == ["serve"]:
        return serve()
    if argv[:1] == ["count"] and len(argv) == 3:
        return print(json.dumps(answer({"op": "count", "spec": json.loads(argv[1]), "vocab": int(argv[2])})))
    if argv[:1] == ["train"] and len(argv) == 5:
        cmd = {"op": "train", "spec": json.loads(argv[1]), "vocab": int(argv[2]), "threads": int(argv[3]), "seconds": float(argv[4])}
        return print(json.dumps(answer(cmd)))
    if argv[:1] == ["peak"] and len(argv) == 2:
        return print(json.dumps(answer({"op": "peak", "threads": int(argv[1])})))
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
