"""Keras 3 model builders and the KerasTuner search space. No dataset knowledge."""
