"""scikit-learn's reference baselines (/work/shared/reference/baselines_sklearn.py: same models and
autoscaling) on the exact folds of our stratifiedKFold, so that differences are the models' alone.
With --tune, the tunable ones (SVM, kNN, ELM, PLS-DA) are GridSearchCV over the grids of our
plugins' `tune: true` (inner 3-fold stratified CV on each training fold, refit on it), the
yardstick of `node dist/bench/baselines.bench.js --tune`.
usage: node dist/bench/baselines.bench.js --folds-dir DIR   (writes DIR/<dataset>.folds.json)
       /usr/bin/python3 bench/baselines_same_folds.py CSV DIR/<dataset>.folds.json [--tune] [REFERENCE_DIR]"""
import sys, json, time
import numpy as np
args = [a for a in sys.argv[1:] if a != '--tune']
tune = '--tune' in sys.argv
sys.path.insert(0, args[2] if len(args) > 2 else '/work/shared/reference')
from baselines_sklearn import MODELS, ELM, PLSDA
from ssl_torch import load
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC


class TunableELM(BaseEstimator, ClassifierMixin):
    """The reference ELM with get_params/set_params, so that GridSearchCV can clone it."""
    def __init__(self, hidden=500): self.hidden = hidden
    def fit(self, X, y): self.model_ = ELM(self.hidden).fit(X, y); self.classes_ = np.unique(y); return self
    def predict(self, X): return self.model_.predict(X)


class TunablePLSDA(BaseEstimator, ClassifierMixin):
    def __init__(self, components=10): self.components = components
    def fit(self, X, y): self.model_ = PLSDA(self.components).fit(X, y); self.classes_ = np.unique(y); return self
    def predict(self, X): return self.model_.predict(X)


def tuned_models(X_train):
    # The plugins' default grids (tuneC x tuneGammaFactors around 'scale', tuneK, tuneHidden, tuneComponents).
    scale_gamma = 1 / (X_train.shape[1] * X_train.var())
    grid = lambda estimator, params: GridSearchCV(estimator, params, cv=StratifiedKFold(3), n_jobs=1)
    return {
        'SVM': grid(SVC(), {'C': [0.1, 1, 10, 100], 'gamma': [scale_gamma * f for f in (0.1, 0.3, 1, 3)]}),
        'kNN': grid(KNeighborsClassifier(), {'n_neighbors': [1, 3, 5, 7, 9, 11]}),
        'ELM': grid(TunableELM(), {'hidden': [100, 250, 500, 1000]}),
        'PLS-DA': grid(TunablePLSDA(), {'components': [2, 4, 6, 8, 10, 12, 15, 20]}),
    }


csv, folds_path = args[0], args[1]
X, y, classes = load(csv)  # all columns (the reference script cuts them to a multiple of 8 for its CNN)
folds = [np.array(f) for f in json.load(open(folds_path))]
names = ['SVM', 'kNN', 'ELM', 'PLS-DA'] if tune else list(MODELS)
for name in names:
    accs, f1s, t0 = [], [], time.time()
    for k, test in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        mu, sd = X[train].mean(0), X[train].std(0) + 1e-8
        Xs = (X - mu) / sd
        model = tuned_models(Xs[train])[name] if tune else MODELS[name]()
        p = model.fit(Xs[train], y[train]).predict(Xs[test])
        accs.append(accuracy_score(y[test], p))
        f1s.append(f1_score(y[test], p, average='macro'))
    print(json.dumps({'csv': csv.rsplit('/', 1)[-1], 'model': name, 'tuned': tune, 'acc': round(float(np.mean(accs)), 4),
                      'f1': round(float(np.mean(f1s)), 4), 'seconds': round(time.time() - t0, 2)}), flush=True)
