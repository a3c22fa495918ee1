"""Wilson score intervals for the shares the insights publish.

Wilson rather than the normal approximation: shares here are often near 0 (a rare hidden
need) or near 1, and cells hold a few dozen intakes, where the normal interval overshoots
[0, 1] and under-covers. The Wilson interval stays inside [0, 1] and keeps close to its
nominal 95% coverage for small n.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``successes / n`` (95% by default)."""
    if n <= 0:
        raise ValueError("a share needs at least one observation")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n ({successes} of {n})")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At p = 0 or 1 the bound is exactly 0 or 1; rounding must not push it past.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high
