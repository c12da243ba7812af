"""Reference values for reference_test.go, computed with SciPy (version
printed first). Run: /usr/bin/python3 reference.py
Not a dependency of gapbench: the Go tests only hold the pasted output."""
import numpy as np
import scipy
from scipy import stats

# Same data as datasets.R.
sets = {
    "n3": ([61.2, 58.4, 63.9], [59.8, 58.9, 60.1]),
    "n5zt": ([50.0, 52.5, 49.0, 51.0, 53.5], [48.0, 52.5, 47.0, 52.0, 50.0]),
    "n10": ([64.7, 66.1, 63.2, 65.8, 62.9, 67.4, 64.0, 65.1, 63.6, 66.8],
            [61.1, 62.8, 63.9, 61.5, 60.2, 63.0, 62.7, 64.9, 60.4, 62.2]),
    "n10zt": ([3, 5, 2, 4, 4, 6, 1, 3, 5, 2], [1, 5, 3, 2, 4, 3, 1, 1, 2, 3]),
    "n20s": ([57.7, 61.8, 58.5, 62.6, 60.8, 55.0, 54.6, 65.5, 57.9, 57.3, 64.6, 62.0, 63.7, 62.4, 61.9, 58.4, 61.0, 63.6, 59.5, 62.6],
             [57.4, 60.4, 58.7, 61.0, 61.3, 55.7, 55.1, 63.4, 57.6, 57.3, 65.0, 59.7, 63.4, 59.8, 61.4, 56.5, 61.3, 63.7, 60.2, 62.4]),
    "n20h": ([0.33, 0.349, 0.364, 0.388, 0.355, 0.402, 0.213, 0.327, 0.398, 0.33, 0.384, 0.212, 0.304, 0.28, 0.295, 0.322, 0.213, 0.237, 0.255, 0.38],
             [0.325, 0.348, 0.359, 0.388, 0.348, 0.384, 0.206, 0.293, 0.389, 0.33, 0.38, 0.223, 0.294, 0.249, 0.309, 0.315, 0.203, 0.243, 0.256, 0.383]),
}
margins = {"n3": 2, "n5zt": 1.5, "n10": 1, "n10zt": 2, "n20s": 1, "n20h": 0.01}

print("scipy", scipy.__version__, "numpy", np.__version__)


def signflip(d, alternative):
    """Exact sign-flip test of the sum: permutation_test on one sample with
    permutation_type='samples' flips signs; n_resamples=inf enumerates all 2^n."""
    return stats.permutation_test((d,), np.sum, permutation_type="samples",
                                  vectorized=True, n_resamples=np.inf,
                                  alternative=alternative, axis=-1).pvalue


def signed_rank_v(d, axis=-1):
    """Wilcoxon V (sum of midranks of |d| over d > 0), zeros dropped."""
    r = stats.rankdata(np.abs(d), axis=-1)
    return np.sum(r * (d > 0), axis=-1)


for name, (a, b) in sets.items():
    a, b = np.array(a, float), np.array(b, float)
    d = a - b
    m = margins[name]
    print("##", name)
    if len(d) >= 2:
        t = stats.ttest_rel(a, b)
        print("ttest_rel(a, b): t %r p %r" % (float(t.statistic), float(t.pvalue)))
    print("permutation_test((d,), np.sum, permutation_type='samples', n_resamples=inf): p %r less %r greater %r"
          % (signflip(d, "two-sided"), signflip(d, "less"), signflip(d, "greater")))
    print("shifted by -margin (d - %r) two-sided %r less %r greater %r"
          % (m, signflip(d - m, "two-sided"), signflip(d - m, "less"), signflip(d - m, "greater")))
    print("shifted by +margin (d + %r) two-sided %r less %r greater %r"
          % (m, signflip(d + m, "two-sided"), signflip(d + m, "less"), signflip(d + m, "greater")))
    nz = d[d != 0]
    try:
        w = stats.wilcoxon(a, b, zero_method="wilcox", method="exact")
        print("wilcoxon(a, b, zero_method='wilcox', method='exact'): stat %r p %r" % (float(w.statistic), float(w.pvalue)))
    except Exception as e:  # noqa: BLE001
        print("wilcoxon exact failed:", e)
    # Exact conditional signed-rank test given the midranks (ties, zeros dropped).
    pr = stats.permutation_test((nz,), signed_rank_v, permutation_type="samples",
                                vectorized=True, n_resamples=np.inf, axis=-1)
    print("permutation_test((d[d!=0],), V, permutation_type='samples', n_resamples=inf): V %r p %r"
          % (float(signed_rank_v(nz)), pr.pvalue))

print("## multiplicity")
p = np.array([0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.8, 0.0001])
try:
    print("false_discovery_control(p, method='bh')", stats.false_discovery_control(p, method="bh"))
except AttributeError:
    print("false_discovery_control not in this SciPy")
