"""Regularizers: penalties and gradients by hand, names and configs through the one registry."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn import regularizers as R

W = np.array([[1.0, -2.0], [0.0, 3.0]])


def test_penalties_and_gradients_by_hand():
    assert R.L1(0.1)(W) == pytest.approx(0.6)
    assert R.L2(0.1)(W) == pytest.approx(0.5 * 0.1 * 14)
    np.testing.assert_allclose(R.L1L2(0.1, 0.2).grad(W), 0.1 * np.sign(W) + 0.2 * W)


@pytest.mark.parametrize("spec, cls", [("l1", R.L1), ("Ridge", R.L2), ("elastic_net", R.L1L2),
                                       ("l1l2", R.L1L2)])
def test_names_and_aliases_resolve(spec, cls):
    assert type(R.get(spec)) is cls


def test_config_round_trip_and_unknown_names():
    reg = R.get({"name": "l2", "l2": 0.5})
    assert isinstance(reg, R.L2) and reg.l2 == 0.5
    assert R.to_config(R.get(R.to_config(reg))) == {"name": "l2", "l2": 0.5}
    assert R.get(None) is None and R.get(reg) is reg
    with pytest.raises(EmbedError, match="unknown regularizer 'l3'; choose from: l1, l2, l1_l2"):
        R.get("l3")
    with pytest.raises(EmbedError, match="unknown regularizer None"):
        R.get({"l2": 0.1})
