"""Dataset kinds behind one contract (:mod:`data.contract`), registered in :mod:`data.registry`.

Each kind is a package ``data/<kind>/`` of small modules exposing one object, ``KIND``;
``get_kind(name)`` returns it, and ``kind_of(config)`` the kind of a dataset config (a
:class:`data.contract.DataConfig`). Shared helpers: :mod:`data.download`, :mod:`data.errors`,
:mod:`data.hashing`, :mod:`data.text_lines`, :mod:`data.tf_example`.
"""

from data.registry import KINDS, get_kind, kind_for_scoring_format, kind_of, kinds, scoring_formats

__all__ = ["KINDS", "get_kind", "kind_for_scoring_format", "kind_of", "kinds", "scoring_formats"]
