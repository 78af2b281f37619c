"""Item pipelines, one class per file: parse → store."""
