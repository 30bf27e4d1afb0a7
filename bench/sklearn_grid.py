#!/usr/bin/env python3
"""The baseline users start from: a Python loop over every output-weight combination (0, 0.1, ..., 1 per task),
calling sklearn's roc_auc_score on the fused score once per combination.

usage: sklearn_grid.py FILE --task order [--tasks click,cart,order] [--step 0.1] [--limit N] [--json]
FILE is a CSV with p_<task> and y_<task> columns. --limit N stops after N combinations (to time a sample of a
long run). Prints one JSON object: seconds (loop only, file reading excluded), combinations, best, best_weights,
and every combination's AUC.
"""
import argparse
import itertools
import json
import time

import numpy as np
from sklearn.metrics import roc_auc_score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--task", required=True)
    ap.add_argument("--tasks", default="click,cart,order")
    ap.add_argument("--step", type=float, default=0.1)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()

    tasks = args.tasks.split(",")
    with open(args.file) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(args.file, delimiter=",", skiprows=1, dtype=np.float64)
    scores = [data[:, header.index("p_" + t)].copy() for t in tasks]
    y = data[:, header.index("y_" + args.task)].astype(np.int8)

    levels = round(1 / args.step)
    weights = [k / levels for k in range(levels + 1)]
    best, best_weights, results = -1.0, None, []
    start = time.perf_counter()
    for n, w in enumerate(itertools.product(weights, repeat=len(tasks))):
        if args.limit and n >= args.limit:
            break
        score = scores[0] * w[0]
        for s, wi in zip(scores[1:], w[1:]):
            score = score + s * wi
        auc = roc_auc_score(y, score)
        results.append([*w, auc])
        if auc > best:
            best, best_weights = auc, list(w)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "combinations": len(results), "best": best,
                      "best_weights": best_weights, "results": results}))


if __name__ == "__main__":
    main()
