"""Optional parts of scslab and the extra that installs each.

``pip install scslab`` gives the models, runs, sweeps and queries; the report,
the dashboard, sensitivity analysis and Dask need an extra. A command that
needs one checks for it first, so that a missing extra ends in one line that
says what to install (and exit status 2), before anything runs.
"""

from __future__ import annotations

import importlib.util

from scslab.errors import ScslabError

#: extra -> the modules it installs (import names)
EXTRAS: dict[str, tuple[str, ...]] = {
    "report": ("matplotlib",),
    "dashboard": ("panel", "bokeh"),
    "sensitivity": ("SALib",),
    "dask": ("dask", "distributed"),
}


class MissingExtraError(ScslabError, ImportError):
    """A command needs an optional part of scslab that is not installed."""


def missing_modules(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here."""
    out = []
    for name in EXTRAS[extra]:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(name)
    return out


def require_extra(extra: str, what: str) -> None:
    """Raise `MissingExtraError` naming the extra to install if `extra` is not installed.

    Parameters
    ----------
    extra : str
        ``report``, ``dashboard``, ``sensitivity`` or ``dask``.
    what : str
        What needs it, for the message: ``scslab report``, ``run --report``...
    """
    missing = missing_modules(extra)
    if missing:
        raise MissingExtraError(
            f"{what} needs the '{extra}' extra ({', '.join(missing)} not installed): "
            f"pip install 'scslab[{extra}]'"
        )
