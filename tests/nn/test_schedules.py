"""Learning-rate schedules: values at chosen steps, and name resolution."""
import pytest

from embed.errors import EmbedError
from embed.nn import schedules


def test_schedule_values_and_names():
    assert [schedules.StepDecay(1.0, drop=0.5, every=2)(t) for t in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    assert schedules.ExponentialDecay(2.0, rate=0.5)(3) == pytest.approx(0.25)
    cos = schedules.CosineDecay(1.0, total=10, min_lr=0.1)
    assert cos(0) == pytest.approx(1.0) and cos(5) == pytest.approx(0.55) and cos(10) == pytest.approx(0.1)
    assert cos(20) == pytest.approx(0.1)
    lin = schedules.get("linear", lr=1.0, total=4, end_lr=0.2)
    assert [lin(t) for t in (0, 2, 4, 9)] == pytest.approx([1.0, 0.6, 0.2, 0.2])
    assert schedules.get("constant", lr=0.3)(100) == 0.3
    with pytest.raises(EmbedError, match="unknown learning-rate schedule"):
        schedules.get("warmup")
