"""Issue 27, item 7: one curve (or several) taken out of a batched fit.

``fit[0]`` was a KeyError (``__getitem__`` took only parameter names).  Now an int,
a slice, an integer or boolean array (or a tuple of them over several batch axes)
gives a FitResult of those curves with every field indexed alike.  The reference is
the batch's own arrays indexed by NumPy, and a fit of the one curve alone (curves are
fitted independently, so the numbers must be the same).
"""
import numpy as np
import pytest

import endorphin as en

X = np.array([0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0])
FIELDS = ("params", "cov", "stderr", "rss", "n_obs", "df", "n_iter", "reason_code",
          "converged", "reason")


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(27)
    e = np.array([[2.0], [5.0], [9.0], [20.0], [40.0]])
    y = en.ll4(X, 1.2, 5.0, 100.0, e) + rng.normal(0.0, 2.0, (5, X.size))
    return y, en.fit_dose_response(X, y, model="ll4")


def test_fit_index_zero_is_one_curve_not_a_key_error(batch):
    y, fit = batch
    one = fit[0]                                    # the call: was KeyError
    assert isinstance(one, en.fitting.FitResult)
    assert one.batch_shape == () and len(one) == 1
    assert one.params.shape == (4,) and one.cov.shape == (4, 4)
    assert one.stderr.shape == (4,)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(one, name), getattr(fit, name)[0])
    assert one.model == "ll4" and one.param_names == fit.param_names
    # the same as fitting that curve alone (curves are fitted independently)
    alone = en.fit_dose_response(X, y[0], model="ll4")
    np.testing.assert_array_equal(one.params, alone.params)
    np.testing.assert_array_equal(one.cov, alone.cov)
    assert float(one.rss) == float(alone.rss) and int(one.df) == int(alone.df)
    # the methods work on the sub-fit
    np.testing.assert_array_equal(one.predict(X), fit.predict(X)[0])
    np.testing.assert_array_equal(one.ed(50).estimate, fit.ed(50).estimate[0])
    np.testing.assert_array_equal(one.ed(50).se, fit.ed(50).se[0])
    assert one["e"] == fit["e"][0] and one.e == fit.e[0]
    assert len(one.to_pandas()) == 1


def test_negative_slices_arrays_and_masks(batch):
    _, fit = batch
    for key, ref in ((-1, 4), (-5, 0)):
        np.testing.assert_array_equal(fit[key].params, fit.params[ref])
    for key in (slice(1, 4), slice(None, None, -2), [0, 3], np.array([4, 1]),
                np.array([True, False, True, False, True])):
        sub = fit[key]
        idx = np.arange(5)[key]
        assert sub.batch_shape == (idx.size,)
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(sub, name), getattr(fit, name)[idx])
    assert [f.params[3] for f in fit] == list(fit.params[:, 3])    # iteration


def test_out_of_range_names_the_batch_size(batch):
    _, fit = batch
    with pytest.raises(IndexError, match="batch of 5 curves"):
        fit[5]
    with pytest.raises(IndexError, match="batch of 5 curves"):
        fit[-6]
    with pytest.raises(IndexError, match="single curve"):
        fit[0][0]
    with pytest.raises(IndexError, match="too many indices"):
        fit[0, 1]
    with pytest.raises(TypeError, match="integers"):
        fit[1.5]
    with pytest.raises(KeyError, match="not a parameter"):
        fit["ec50"]                                  # names keep working


def test_two_batch_axes():
    rng = np.random.default_rng(5)
    e = np.geomspace(2.0, 40.0, 6).reshape(2, 3, 1)
    y = en.ll4(X, 1.0, 0.0, 100.0, e) + rng.normal(0.0, 2.0, (2, 3, X.size))
    fit = en.fit_dose_response(X, y)
    assert fit[1].batch_shape == (3,)
    np.testing.assert_array_equal(fit[1, 2].params, fit.params[1, 2])
    np.testing.assert_array_equal(fit[:, -1].cov, fit.cov[:, -1])
    assert fit[1, 2].batch_shape == () and fit[:, 0].batch_shape == (2,)
