"""Each model's parameter schema, one module per model."""
