"""The registry of public callables (tests/_support/registry.py) is complete: every
public callable of the installed package is registered (and so exercised by every
reliability test) or excluded on purpose, with a reason."""
import numpy as np

import registry


def _registered_ids():
    return {id(f) for f, _args, _kwargs, _kind in registry.calls().values()}


def test_every_public_callable_is_registered_or_excluded():
    registered = _registered_ids()
    missing = sorted(name for name, obj in registry.public_callables().items()
                     if id(obj) not in registered and name not in registry.EXCLUDED)
    assert not missing, (
        f"public callables neither in tests/_support/registry.py's calls() nor in its "
        f"EXCLUDED list (add each with one valid call, or exclude it with a reason): "
        f"{missing}")


def test_exclusions_are_public_and_explained():
    public = registry.public_callables()
    stale = sorted(set(registry.EXCLUDED) - set(public))
    assert not stale, f"EXCLUDED names that are no longer public callables: {stale}"
    registered = _registered_ids()
    both = sorted(n for n in registry.EXCLUDED if id(public[n]) in registered)
    assert not both, f"both registered and excluded: {both}"
    assert all(isinstance(r, str) and len(r) > 10 for r in registry.EXCLUDED.values())


def test_registered_ufuncs_are_ufuncs_with_the_registered_cores():
    for name in registry.UFUNC_NAMES:
        f = registry.ufunc(name)
        assert isinstance(f, np.ufunc), name
        assert f.__name__ == name
        cores = registry.UFUNC_CORES[name]
        assert len(cores) == f.nin, name
        if f.signature is None:
            assert cores == [""] * f.nin, name
        args = registry.ufunc_args(name)
        assert len(args) == f.nin
        with np.errstate(all="ignore"):
            f(*args)                                  # the registered call is valid


def test_every_registered_call_is_valid():
    for name, (f, args, kwargs, kind) in registry.calls().items():
        assert kind in ("ufunc", "py"), name
        with np.errstate(all="ignore"):
            f(*args, **kwargs)
