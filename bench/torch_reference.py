#!/usr/bin/env python3
"""PyTorch reference for mtrank's trainer (Shared-Bottom and MMoE) (bench only; not part of the test suite).

Reads a dataset exported by `src/bench/train.ts` (the very rows and encodings mtrank trains on: meta.json plus
raw little-endian arrays), trains the same architecture with the same budget (epochs, batch size, optimizer,
label weights), and prints test AUC per task, training examples/s and peak RSS. PyTorch runs at its best here:
sparse embeddings + SparseAdam, OPENBLAS_NUM_THREADS=1 and 2 torch threads (set by the caller).

    python3 bench/torch_reference.py DIR [--threads 2] [--seed 42] [--json]
"""
import argparse, json, os, resource, sys, time

import numpy as np
import torch
import torch.nn as nn


def load_split(root, meta):
    def arr(name, dtype):
        return np.fromfile(os.path.join(root, name), dtype=dtype)
    out = {"rows": meta["rows"], "cat": [], "multi": [], "labels": {}}
    for c in meta["categorical"]:
        out["cat"].append(torch.from_numpy(arr(c["file"], "<i4").astype(np.int64)))
    for m in meta["multi"]:
        out["multi"].append((torch.from_numpy(arr(m["offsets"], "<i4").astype(np.int64)),
                             torch.from_numpy(arr(m["ids"], "<i4").astype(np.int64))))
    ncols = len(meta["denseNames"])
    dense = arr(meta["dense"], "<f4").reshape(meta["rows"], ncols) if ncols else np.zeros((meta["rows"], 0), np.float32)
    out["dense"] = torch.from_numpy(dense.copy())
    for t, f in meta["labels"].items():
        out["labels"][t] = torch.from_numpy(arr(f, "u1").astype(np.float32))
    return out


def mlp(sizes, inp, act, dropout):
    layers = []
    for h in sizes:
        layers += [nn.Linear(inp, h), nn.ReLU() if act == "relu" else nn.Sigmoid()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        inp = h
    return nn.Sequential(*layers), inp


class Inputs(nn.Module):
    """[embeddings of the ID fields | pooled multi-ID fields | dense], as mtrank's FeatureInput."""

    def __init__(self, meta):
        super().__init__()
        self.emb = nn.ModuleList(nn.Embedding(c["vocabSize"], c["dim"], sparse=True) for c in meta["categorical"])
        self.bags = nn.ModuleList(nn.EmbeddingBag(m["vocabSize"], m["dim"], mode=m["pooling"], sparse=True) for m in meta["multi"])
        self.dim = sum(c["dim"] for c in meta["categorical"]) + sum(m["dim"] for m in meta["multi"]) + len(meta["denseNames"])
        for e in list(self.emb) + list(self.bags):
            nn.init.normal_(e.weight, 0.0, 0.01)

    def forward(self, cat, multi, dense):
        parts = [e(ids) for e, ids in zip(self.emb, cat)]
        parts += [b(ids, offsets) for b, (offsets, ids) in zip(self.bags, multi)]
        parts.append(dense)
        return torch.cat(parts, dim=1)


def tower(model, inp):
    hidden, h = mlp(model["tower"], inp, model.get("activation", "relu"), model.get("dropout", 0))
    return nn.Sequential(hidden, nn.Linear(h, 1))


class SharedBottom(nn.Module):
    def __init__(self, meta, model, tasks):
        super().__init__()
        self.inputs = Inputs(meta)
        self.bottom, h = mlp(model["bottom"], self.inputs.dim, model.get("activation", "relu"), model.get("dropout", 0))
        self.towers = nn.ModuleList(tower(model, h) for _ in tasks)

    def forward(self, cat, multi, dense):
        h = self.bottom(self.inputs(cat, multi, dense))
        return [t(h).squeeze(1) for t in self.towers]


class MMoE(nn.Module):
    def __init__(self, meta, model, tasks):
        super().__init__()
        self.inputs = Inputs(meta)
        act, drop = model.get("activation", "relu"), model.get("dropout", 0)
        made = [mlp(model["expertHidden"], self.inputs.dim, act, drop) for _ in range(model["experts"])]
        self.experts = nn.ModuleList(m for m, _ in made)
        h = made[0][1]
        self.gates = nn.ModuleList(nn.Linear(self.inputs.dim, model["experts"]) for _ in tasks)
        self.towers = nn.ModuleList(tower(model, h) for _ in tasks)

    def forward(self, cat, multi, dense):
        x = self.inputs(cat, multi, dense)
        e = torch.stack([ex(x) for ex in self.experts], dim=1)  # B×E×D
        out = []
        for g, t in zip(self.gates, self.towers):
            w = torch.softmax(g(x), dim=1).unsqueeze(2)
            out.append(t((w * e).sum(1)).squeeze(1))
        return out


MODELS = {"shared-bottom": SharedBottom, "mmoe": MMoE}


def batch(split, idx):
    cat = [c[idx] for c in split["cat"]]
    multi = []
    for offsets, ids in split["multi"]:
        starts, ends = offsets[idx], offsets[idx + 1]
        lens = ends - starts
        flat = torch.cat([ids[s:e] for s, e in zip(starts.tolist(), ends.tolist())]) if len(idx) else ids[:0]
        multi.append((torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(lens, 0)[:-1]]), flat))
    return cat, multi, split["dense"][idx]


def auc(scores, labels):
    order = np.argsort(scores, kind="mergesort")
    s, y = scores[order], labels[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):  # midranks for ties, as sklearn / mtrank
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    pos = y.sum()
    neg = len(y) - pos
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)) if pos and neg else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    meta = json.load(open(os.path.join(args.dir, "meta.json")))
    model_cfg, train_cfg, tasks = meta["model"], meta["training"], meta["tasks"]
    splits = {k: load_split(args.dir, meta["splits"][k]) for k in ("train", "test")}
    net = MODELS[model_cfg.get("type", "shared-bottom")](meta["splits"]["train"], model_cfg, tasks)
    sparse = list(net.inputs.parameters())
    dense = [p for n, p in net.named_parameters() if not n.startswith("inputs.")]
    opt_dense = torch.optim.Adam(dense, lr=train_cfg["lr"])
    opt_sparse = torch.optim.SparseAdam(sparse, lr=train_cfg["embeddingLr"]) if sparse else None
    lw = torch.tensor([meta["labelWeights"][t] for t in tasks])
    loss_w = [meta["lossWeights"][t] for t in tasks]
    train = splits["train"]
    n, bs = train["rows"], train_cfg["batchSize"]
    gen = torch.Generator().manual_seed(args.seed)
    bce = nn.BCEWithLogitsLoss(reduction="none")
    net.train()
    t0 = time.perf_counter()
    for _ in range(train_cfg["epochs"]):
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, bs):
            idx = perm[s:s + bs]
            cat, multi, dn = batch(train, idx)
            logits = net(cat, multi, dn)
            loss = 0
            for k, t in enumerate(tasks):
                y = train["labels"][t][idx]
                w = torch.where(y > 0, lw[k], torch.ones_like(y))
                loss = loss + loss_w[k] * (bce(logits[k], y) * w).mean()
            opt_dense.zero_grad(set_to_none=True)
            if opt_sparse:
                opt_sparse.zero_grad(set_to_none=True)
            loss.backward()
            opt_dense.step()
            if opt_sparse:
                opt_sparse.step()
    train_s = time.perf_counter() - t0
    net.eval()
    test = splits["test"]
    res = {}
    with torch.no_grad():
        idx = torch.arange(test["rows"])
        cat, multi, dn = batch(test, idx)
        logits = net(cat, multi, dn)
        for k, t in enumerate(tasks):
            res[t] = auc(torch.sigmoid(logits[k]).numpy(), test["labels"][t].numpy().astype(np.int64))
    out = {
        "testAuc": res,
        "examplesPerSec": train_cfg["epochs"] * n / train_s,
        "trainSeconds": train_s,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    if not args.json:
        for t, a in res.items():
            print(f"torch test AUC {t}: {a:.4f}")
        print(f"torch train: {out['examplesPerSec']:.0f} examples/s, peak RSS {out['peakRssMb']:.0f} MB")
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
