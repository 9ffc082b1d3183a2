"""Keras 3 model builders, the KerasTuner search space and oracles, the tf.data input pipeline
and callbacks. No dataset knowledge: a dataset kind is used only through its contract
(``model_io``, ``train_augmentation``). Imports nothing from ``components`` or ``pipeline``."""
