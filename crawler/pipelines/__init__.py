"""Item pipelines, one class per file: parse → validate (the schema) → store."""
