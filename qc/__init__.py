"""qc — corpus quality and anomaly detector for Chinese web text."""
__version__ = "0.1.0"


def scan(paths, **options):
    """Scan ``paths`` and return a :class:`qc.api.ScanResult` (reports + a pandas DataFrame view)."""
    from .api import scan as _scan

    return _scan(paths, **options)
