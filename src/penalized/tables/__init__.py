"""Tables in, design matrices out: reading CSV/Parquet files (:mod:`.data`), the fitted
one-hot / imputation preprocessing that a model file stores (:mod:`.preprocess`), and
atomic file writes (:mod:`.files`). Below both the report (:mod:`penalized.report`) and
the model files (:mod:`penalized.model_io`); needs pandas (the ``report`` extra)."""
