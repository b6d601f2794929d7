"""Fixtures shared by the test modules in tests/.

The repository-root conftest.py quiets TensorFlow for the whole session; this file only adds
what the tests of dlcore share: a Keras switched to float64 for the parity tests.
"""
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@pytest.fixture(scope="module")
def keras64():
    """Keras with ``floatx = float64`` for the duration of one test module, restored afterwards.

    Parity in float64 leaves round-off (~1e-15) as the only difference from dlcore, so a
    tolerance far below any formula slip (a missing 1/2, epsilon inside or outside a root) works.
    Skips when TensorFlow is not installed.
    """
    pytest.importorskip("tensorflow")
    import keras

    previous = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    yield keras
    keras.backend.set_floatx(previous)

