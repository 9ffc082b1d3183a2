"""Character-level language models ("charlm"): a plain-text corpus cut into fixed-length
character windows that predict the next character, a train-only character vocabulary,
next-character serving, and text generation inside the SavedModel.

Raw examples (one per window): ``context`` (bytes: the ``window`` characters before the target,
fewer only at the start of a file), ``target`` (bytes: the next character) and ``id``
(``<file>:<offset of the target>``). After transform: ``inputs`` int64 [window] character ids,
left-padded with the start id, and ``target`` int64.

Ids: 0 is never used (it is the embedding's mask id, so Keras sees an all-true mask and LSTM/GRU
stay on the cuDNN path), 1 pads the left of a window that begins before its text (training
windows at the start of a file, and prompts shorter than the window), 2.. are the vocabulary's
characters from the most frequent in train down, and the last id is the out-of-vocabulary
bucket. The vocabulary holds Unicode code points, so newlines and spaces are characters like any
other.

Modules: :mod:`~data.charlm.config`, :mod:`~data.charlm.source` (files and the early check),
:mod:`~data.charlm.decoding`, :mod:`~data.charlm.windows`, :mod:`~data.charlm.read` (Beam),
:mod:`~data.charlm.records`, :mod:`~data.charlm.preprocessing`, :mod:`~data.charlm.model_head`,
:mod:`~data.charlm.serving`, :mod:`~data.charlm.generation`, :mod:`~data.charlm.scoring`; the kind
object is ``KIND``.
"""

from data.charlm.config import CharlmData, SplitFractions
from data.charlm.kind import KIND

__all__ = ["KIND", "CharlmData", "SplitFractions"]
