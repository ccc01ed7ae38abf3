"""A trial arm's population keeps the arm's spec (condition, variability, overrides,
covariates, drug PK switch) and takes the trial's n and seed."""
import numpy as np
import pytest

import endorphin as en
from endorphin.trial.trial import _arm_population


def test_arm_population_keeps_the_spec():
    pop = en.Population(5, condition="fibromyalgia", variability=0.5, seed=1,
                        covariates={"body_weight": 80.0}, drug_variability=False,
                        t_half_plasma=40.0)
    arm = _arm_population(pop, 12, 99, "x")
    assert (arm.n, arm.seed, arm.condition, arm.variability) == (12, 99, "fibromyalgia", 0.5)
    assert arm.drug_variability is False and arm.overrides == {"t_half_plasma": 40.0}
    np.testing.assert_array_equal(arm.body_weight, np.full(12, 80.0))
    with pytest.raises(ValueError, match="covariate 'body_weight' varies"):
        _arm_population(en.Population(2, covariates={"body_weight": [60.0, 90.0]}), 4, 1,
                        "x")
