"""Content files → a validated, immutable Catalog: YAML reading, schema, path:line problems."""
