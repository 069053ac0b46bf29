"""How commands print numbers: counts, percentages, ranked lists, JSON-safe floats."""
import math


def nan_to_none(x):
    """NaN or infinity (nothing was evaluated) -> None, also inside dicts, so JSON output stays valid."""
    if isinstance(x, dict):
        return {k: nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [nan_to_none(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def percent(x):
    """0.4321 -> '43.2%'; None or NaN -> 'n/a'."""
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{100 * x:.1f}%"


def human_count(n):
    """1234567 -> '1.23M'."""
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.3g}{unit}"
    return f"{n:.3g}"


def print_ranked(results):
    """Print [(word, score), ...] as a numbered, aligned list."""
    width = max((len(w) for w, _ in results), default=0)
    for rank, (w, score) in enumerate(results, 1):
        print(f"  {rank:2d}. {w:<{width}}  {score:.4f}")
