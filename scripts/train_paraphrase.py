#!/usr/bin/env python3
"""Fit the paraphrase score's weights from pair features written by the harness.

    parley eval --data ../shared/data --features-out /tmp/mrpc_features.csv
    python3 scripts/train_paraphrase.py /tmp/mrpc_features.csv

Data: Microsoft Research Paraphrase Corpus (Dolan & Brockett 2005), development split only; the
data never enters the repo, only the twelve weights printed here (paste them into the playbook's
[language.paraphrase.weights]). Needs numpy and scikit-learn (pip install scikit-learn).
Reports 5-fold held-out precision/recall next to the in-sample figures; the held-out ones count.
"""
import csv
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    names = rows[0][1:]
    y = np.array([r[0] == "1" for r in rows[1:]])
    x = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    return names, x, y


def pr(p, y, th):
    f = p >= th
    tp = (f & y).sum()
    return tp / max(f.sum(), 1), tp / max(y.sum(), 1)


def main():
    names, x, y = load(sys.argv[1])
    held = np.zeros(len(y))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=7).split(x, y):
        m = LogisticRegression(C=1.0, max_iter=5000).fit(x[tr], y[tr])
        held[te] = m.predict_proba(x[te])[:, 1]
    model = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    inside = model.predict_proba(x)[:, 1]
    print("threshold  held-out P/R   in-sample P/R")
    for th in np.arange(0.50, 0.96, 0.05):
        hp, hr = pr(held, y, th)
        ip, ir = pr(inside, y, th)
        print(f"  {th:.2f}     {hp:.3f} {hr:.3f}    {ip:.3f} {ir:.3f}")
    print("\n[language.paraphrase.weights]")
    print(f"bias = {model.intercept_[0]:.4f}")
    for n, w in zip(names, model.coef_[0]):
        print(f"{n} = {w:.4f}")


if __name__ == "__main__":
    main()
