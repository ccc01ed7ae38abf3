"""Keyed random streams: one generator per (seed, subject, purpose).

Every random draw in the package (parameters, pulses, symptoms, assay and instrument
noise, and later trials) comes from a Philox generator keyed by the run's seed, the
subject's index and a fixed stream number, the *purpose*.  A subject's numbers therefore
do not depend on the population size, chunking, threads or which other draws a run
makes, and two purposes never share numbers.

The purpose numbers below are the single definition; never renumber one (results depend
on them).  Custom assays take numbers from 1000 up (endorphin.measurement).
"""
from __future__ import annotations

import zlib

import numpy as np

__all__ = ["keyed_rng", "PURPOSE_PARAMETERS", "PURPOSE_PULSES", "PURPOSE_SYMPTOMS",
           "PURPOSE_PLASMA", "PURPOSE_CSF", "PURPOSE_ACTH", "PURPOSE_CORTISOL",
           "PURPOSE_NRS", "PURPOSE_VAS", "PURPOSE_MOOD", "PURPOSE_HADS_A",
           "PURPOSE_HADS_D", "PURPOSE_DRUG_PK", "PURPOSE_DROPOUT", "PURPOSE_UNCERTAINTY",
           "PURPOSE_SAEM", "PURPOSE_VPC", "PURPOSE_DETECTION", "PURPOSE_COVARIATES",
           "drug_key"]

# the model (endorphin.model)
PURPOSE_PARAMETERS = 0
PURPOSE_PULSES = 1
PURPOSE_SYMPTOMS = 3
# between-subject variability of drug PK (endorphin.scenario.drug_plan), one stream per
# (subject, drug): spawn key (subject, PURPOSE_DRUG_PK, drug_key(name))
PURPOSE_DRUG_PK = 4
# assays (endorphin.measurement)
PURPOSE_PLASMA = 16
PURPOSE_CSF = 17
PURPOSE_ACTH = 18
PURPOSE_CORTISOL = 19
# patient-reported instruments (endorphin.measurement)
PURPOSE_NRS = 32
PURPOSE_VAS = 33
PURPOSE_MOOD = 34
PURPOSE_HADS_A = 35
PURPOSE_HADS_D = 36
# trials (endorphin.trial)
PURPOSE_DROPOUT = 64
# a trial's uncertain typical values, keyed by (run seed, replicate, purpose)
PURPOSE_UNCERTAINTY = 65
# estimation and design: spawn keys (PURPOSE_*, ...) under the caller's seed
PURPOSE_SAEM = 66          # SAEM's Markov chains: (PURPOSE_SAEM, iteration, kernel)
PURPOSE_VPC = 67           # visual predictive check replicates: (PURPOSE_VPC, replicate)
PURPOSE_DETECTION = 68     # design.detection studies: (PURPOSE_DETECTION, study)
# covariate distributions (endorphin.scenario.covariates): 80 + the covariate's index
PURPOSE_COVARIATES = 80


def keyed_rng(seed: int, subject: int, purpose: int, *extra: int) -> np.random.Generator:
    """The generator of ``subject``'s draws for ``purpose`` in a run seeded ``seed``
    (``extra`` integers extend the key, e.g. a drug's :func:`drug_key`)."""
    key = (int(subject), int(purpose)) + tuple(int(e) for e in extra)
    return np.random.Generator(np.random.Philox(np.random.SeedSequence(int(seed),
                                                                       spawn_key=key)))


def drug_key(name: str) -> int:
    """A stable integer key of a drug name (CRC-32 of its UTF-8 bytes; Python's
    ``hash`` of a str changes between processes)."""
    return zlib.crc32(name.encode("utf-8"))
