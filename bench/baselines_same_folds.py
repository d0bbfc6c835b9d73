"""scikit-learn's reference baselines (/work/shared/reference/baselines_sklearn.py: same models and
autoscaling) on the exact folds of our stratifiedKFold, so that differences are the models' alone.
usage: node dist/bench/baselines.bench.js --folds-dir DIR   (writes DIR/<dataset>.folds.json)
       /usr/bin/python3 bench/baselines_same_folds.py CSV DIR/<dataset>.folds.json [REFERENCE_DIR]"""
import sys, json, time
import numpy as np
sys.path.insert(0, sys.argv[3] if len(sys.argv) > 3 else '/work/shared/reference')
from baselines_sklearn import MODELS
from ssl_torch import load
from sklearn.metrics import accuracy_score, f1_score

csv, folds_path = sys.argv[1], sys.argv[2]
X, y, classes = load(csv)  # all columns (the reference script cuts them to a multiple of 8 for its CNN)
folds = [np.array(f) for f in json.load(open(folds_path))]
for name, make in MODELS.items():
    accs, f1s, t0 = [], [], time.time()
    for k, test in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        mu, sd = X[train].mean(0), X[train].std(0) + 1e-8
        Xs = (X - mu) / sd
        p = make().fit(Xs[train], y[train]).predict(Xs[test])
        accs.append(accuracy_score(y[test], p))
        f1s.append(f1_score(y[test], p, average='macro'))
    print(json.dumps({'csv': csv.rsplit('/', 1)[-1], 'model': name, 'acc': round(float(np.mean(accs)), 4),
                      'f1': round(float(np.mean(f1s)), 4), 'seconds': round(time.time() - t0, 2)}), flush=True)
