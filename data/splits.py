"""Split fractions cut in order (train first, then eval, then test), as time series and corpora are split."""

from __future__ import annotations

from dataclasses import dataclass

SPLITS = ("train", "eval", "test")
"""The split names, in order: what example_gen writes (``DatasetKind.SPLITS``) and the fractions name."""


@dataclass(frozen=True)
class OrderedSplit:
    """Shares of the data for train, eval and test, cut in that order; a kind subclasses it with
    its own defaults and docstring.

    Attributes:
        train: The first share.
        eval: The share after it.
        test: The last share.
    """

    train: float = 0.7
    eval: float = 0.1
    test: float = 0.2

    def __post_init__(self):
        for name in SPLITS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"split.{name} must lie in [0, 1], got {getattr(self, name)}")
        if abs(self.train + self.eval + self.test - 1.0) > 1e-6:
            raise ValueError(f"split fractions must sum to 1, got {self.train + self.eval + self.test:.4f}")
        if self.train <= 0:
            raise ValueError("split.train must be > 0")

    def boundaries(self, total: int) -> tuple[int, int]:
        """Where eval and test begin among ``total`` ordered items (train holds those before the first).

        Returns:
            ``(first eval position, first test position)``, each rounded to the nearest item.
        """
        return round(total * self.train), round(total * (self.train + self.eval))
