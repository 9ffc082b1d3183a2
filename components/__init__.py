"""Steps of the pipeline: one module per component, each with a frozen params dataclass and a pure run()."""
