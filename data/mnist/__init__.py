"""MNIST-format digits read row by row: IDX and ``mnist.npz`` readers, scaling, uint8 serving,
and scoring inputs (IDX, npz, PNG).

Works for any dataset in the same format (Fashion-MNIST, KMNIST, ...) with class names from
config. Raw examples: ``image`` int64 [784] (uint8 values), ``label`` int64, ``id``. After
transform: ``rows`` float32 [28, 28] in [0, 1] (28 time steps of 28 features), optionally
standardised per pixel with train-only statistics.

Modules: :mod:`~data.mnist.config`, :mod:`~data.mnist.idx`, :mod:`~data.mnist.source`,
:mod:`~data.mnist.records`, :mod:`~data.mnist.read` (Beam), :mod:`~data.mnist.preprocessing`,
:mod:`~data.mnist.augmentation`, :mod:`~data.mnist.model_head`, :mod:`~data.mnist.serving`,
:mod:`~data.mnist.scoring`; the kind object is ``KIND``.
"""

from data.mnist.config import Augmentation, MnistData
from data.mnist.kind import KIND

__all__ = ["KIND", "Augmentation", "MnistData"]
