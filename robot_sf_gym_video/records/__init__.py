"""Episode records: model, JSON Schema validation and atomic JSONL I/O."""
