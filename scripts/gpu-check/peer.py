#!/usr/bin/env python3
"""The GPU check's PyTorch peer: slmlab's transformer re-implemented exactly, trained in the same run.

Same as slmlab: the study's post-LN block (nn.MultiheadAttention with packed q/k/v, ReLU FFN, LayerNorm
eps 1e-5, dropout after the FFN and on the attention weights), learned positions, last-token objective,
batch and T, Adam(0.9, 0.999, 1e-8) at the same lr, one loss read back per step, tokens counted as B*T per
step, the same timing rule (the first `warmup` steps left out). It starts from slmlab's initial weights
and trains on slmlab's batches (both written by the `export` phase); only its dropout masks are its own.
Eager mode, float32, TF32 off (fp32 WebGPU has no TF32). Usage: peer.py OUT_DIR [--budget=SECONDS]
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """post-LN: x = LN(x + MHA(x)); x = LN(x + Dropout(FFN(x)))."""

    def __init__(self, d, heads, ffn, dropout, attn_dropout):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, dropout=attn_dropout, batch_first=True)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.up, self.down = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, mask):
        a, _ = self.attn(x, x, x, attn_mask=mask, need_weights=False)
        x = self.ln1(x + a)
        return self.ln2(x + self.drop(self.down(F.relu(self.up(x)))))


class Model(nn.Module):
    def __init__(self, m, vocab):
        super().__init__()
        d, T = m["dModel"], m["contextLength"]
        self.tok_emb, self.pos_emb = nn.Embedding(vocab, d), nn.Embedding(T, d)
        self.blocks = nn.ModuleList(
            Block(d, m["heads"], m["ffnHidden"], m["dropout"], m["attnDropout"]) for _ in range(m["layers"])
        )
        self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
        # True above the diagonal: a key from the future is masked (slmlab adds -1e9 there: same softmax)
        self.register_buffer("mask", torch.triu(torch.ones(T, T, dtype=torch.bool), 1), persistent=False)

    def forward(self, x):  # x [B, T] -> logits [B, V] of the token after each window
        h = self.tok_emb(x) + self.pos_emb.weight[: x.shape[1]]  # [B, T, d]
        for b in self.blocks:
            h = b(h, self.mask)
        return self.head(self.ln_f(h[:, -1]))  # [B, V]


def torch_name(name):
    """slmlab's parameter name -> (PyTorch's name, transpose?). slmlab's dense weights are [in, out] (x.W)."""
    if name in ("tok_emb", "pos_emb"):
        return f"{name}.weight", False
    stem, leaf = name.rsplit(".", 1)  # leaf: w, b (dense), g, b (LayerNorm)
    stem = stem.replace(".ffn.", ".").replace(".attn.out", ".attn.out_proj")
    if stem.endswith(".attn.in"):  # the packed q/k/v projection
        return stem[: -len(".in")] + (".in_proj_weight" if leaf == "w" else ".in_proj_bias"), leaf == "w"
    return f"{stem}.{'bias' if leaf == 'b' else 'weight'}", leaf == "w"


def load_slmlab_weights(model, out_dir, manifest):
    flat = read_bin(os.path.join(out_dir, "init.bin"), torch.float32)
    params = dict(model.named_parameters())
    seen = set()
    for w in manifest:
        size = 1
        for s in w["shape"]:
            size *= s
        value = flat[w["offset"] : w["offset"] + size].view(*w["shape"])
        name, transpose = torch_name(w["name"])
        target = params[name]
        value = value.t() if transpose else value
        if tuple(value.shape) != tuple(target.shape):
            raise SystemExit(f"shape mismatch for {w['name']} -> {name}: {tuple(value.shape)} vs {tuple(target.shape)}")
        with torch.no_grad():
            target.copy_(value)
        seen.add(name)
    missing = set(params) - seen
    if missing:
        raise SystemExit(f"PyTorch parameters slmlab has no weights for: {sorted(missing)}")


def read_bin(path, dtype):
    with open(path, "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=dtype)


def pick_device():
    want = os.environ.get("GPU_CHECK_TORCH_DEVICE", "auto")
    if want == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return want


def precision_settings(device):
    """TF32 off (and said so): fp32 WebGPU has no TF32, and TF32 would not be an fp32 run."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    info = {
        "dtype": "float32",
        "mode": "eager",
        "cuda.matmul.allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        "cudnn.allow_tf32": torch.backends.cudnn.allow_tf32,
    }
    if hasattr(torch, "get_float32_matmul_precision"):
        info["float32_matmul_precision"] = torch.get_float32_matmul_precision()
    if device == "cpu":
        info["threads"] = torch.get_num_threads()
    return info


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def matmul_peak(device, n):
    """GFLOP/s of an n x n fp32 product: PyTorch's own ceiling on this device, for its MFU."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    (a @ b).sum().item()  # warm-up
    best = 0.0
    for _ in range(3):
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 0.5 or reps == 0:
            c = a @ b
            sync(device)  # else the loop times kernel launches and a deep queue drains after it
            reps += 1
        best = max(best, 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9)
        del c
    return {"n": n, "gflops": best}


def throughput(steps, warmup, tokens_per_step, flops_per_step):
    """The rule of scripts/gpu-check/report.ts: steps after the first `warmup`, their wall time."""
    timed = steps[warmup:]
    if not timed:
        return None
    seconds = sum(s["ms"] for s in timed) / 1000
    return {"timedSteps": len(timed), "warmup": warmup, "seconds": seconds,
            "tokensPerSec": len(timed) * tokens_per_step / seconds, "gflops": len(timed) * flops_per_step / seconds / 1e9}


def write(out_dir, record):
    tmp = os.path.join(out_dir, "torch.json.tmp")
    with open(tmp, "w") as f:
        json.dump(record, f, indent=2)
    os.replace(tmp, os.path.join(out_dir, "torch.json"))


def check_spec(spec):
    m, t = spec["model"], spec["training"]
    ok = m["kind"] == "transformer" and m["block"] == "post-ln" and m["positions"] == "learned"
    if not ok or t["objective"] != "last-token":
        raise SystemExit("peer.py re-implements only the post-LN, learned-position, last-token transformer")


def parity_loss(model, out_dir, B, T, device):
    """Eval-mode loss of slmlab's initial weights on the first validation batch (the export phase's)."""
    data = read_bin(os.path.join(out_dir, "parity.bin"), torch.int32).long()
    x, y = data[: B * T].view(B, T).to(device), data[B * T :].to(device)
    model.eval()
    with torch.no_grad():
        loss = F.cross_entropy(model(x), y).item()
    model.train()
    return loss


def train(model, record, exp, out_dir, device, budget):
    spec, B, T = exp["spec"], exp["spec"]["training"]["batchSize"], exp["spec"]["model"]["contextLength"]
    batches = read_bin(os.path.join(out_dir, "batches.bin"), torch.int32).long().view(-1, B * T + B)
    opt = torch.optim.Adam(model.parameters(), lr=spec["training"]["learningRate"], betas=(0.9, 0.999), eps=1e-8)
    torch.manual_seed(spec["training"]["seed"])  # dropout masks
    started = last = time.perf_counter()
    for i in range(min(exp["steps"], batches.shape[0])):
        if time.perf_counter() - started > budget:
            record["stoppedEarly"] = f"time budget of {budget} s spent after {i} steps"
            break
        # moved to the device every step, as slmlab uploads each batch
        x, y = batches[i, : B * T].view(B, T).to(device), batches[i, B * T :].to(device)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = loss.item()  # one read back per step, as slmlab's train() awaits each loss
        now = time.perf_counter()
        record["steps"].append({"step": i + 1, "loss": value, "ms": (now - last) * 1000})
        last = now
        print(f"  step {i + 1:3d}  loss {value:.4f}  {(record['steps'][-1]['ms']):.0f} ms", flush=True)
        record["throughput"] = throughput(record["steps"], exp["warmup"], exp["tokensPerStep"], exp["flopsPerStep"])
        write(out_dir, record)


def main():
    out_dir = sys.argv[1]
    budget = float(next((a.split("=", 1)[1] for a in sys.argv[2:] if a.startswith("--budget=")), 120))
    with open(os.path.join(out_dir, "export.json")) as f:
        exp = json.load(f)
    spec = exp["spec"]
    check_spec(spec)
    device = pick_device()
    record = {"device": device, "torch": torch.__version__, "cuda": torch.version.cuda, "steps": []}
    if device == "cuda":
        record["device"] = f"cuda ({torch.cuda.get_device_name(0)})"
    record["precision"] = precision_settings(device)
    print(f"PyTorch {torch.__version__} on {record['device']}; {json.dumps(record['precision'])}", flush=True)
    model = Model(spec["model"], exp["vocabSize"])
    count = sum(p.numel() for p in model.parameters())
    record["params"] = {"torch": count, "costModel": exp["params"]["costModel"], "tfjs": exp["params"]["tfjs"]}
    print(f"params: PyTorch {count:,}, slmlab cost model {exp['params']['costModel']:,}, tfjs {exp['params']['tfjs']:,}", flush=True)
    load_slmlab_weights(model, out_dir, exp["weights"])
    model.to(device)
    B, T = spec["training"]["batchSize"], spec["model"]["contextLength"]
    record["parityLoss"] = parity_loss(model, out_dir, B, T, device)
    print(f"eval-mode loss of slmlab's initial weights on the first validation batch: {record['parityLoss']:.6f} "
          f"(tfjs: {exp['parityLoss']:.6f})", flush=True)
    write(out_dir, record)
    train(model, record, exp, out_dir, device, budget - 5)
    record["peak"] = matmul_peak(device, 4096 if device.startswith("cuda") else 1024)
    print(f"PyTorch {record['peak']['n']}² fp32 matmul peak: {record['peak']['gflops']:.1f} GFLOP/s", flush=True)
    write(out_dir, record)


if __name__ == "__main__":
    main()
