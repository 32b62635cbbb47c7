"""Report writers. ``files.py`` writes the per-document JSON (the contract) and the summary;
other modules render other formats from those results only."""
