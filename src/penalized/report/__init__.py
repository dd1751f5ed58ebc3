"""Command-line support: tabular data loading and preprocessing, model files, the report."""
