"""Packaging for rnnpipe: a TFX-style batch pipeline for recurrent sequence models."""

from setuptools import find_packages, setup

setup(
    name="rnnpipe",
    version="0.1.0",
    description="Batch ML pipeline for recurrent sequence models (Beam, tf.Transform, Keras 3, KerasTuner).",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.14",
    packages=find_packages(include=["pipeline", "pipeline.*", "components", "components.*",
                                    "models", "models.*", "data", "data.*"]),
    package_data={"pipeline": ["configs/*.yaml"]},
    install_requires=[
        "tensorflow>=2.21,<2.22",
        "tensorflow-transform>=1.21,<1.22",
        "apache-beam>=2.60,<3",
        "keras>=3.12,<4",
        "keras-tuner>=1.4.7,<1.5",
        "tensorboard>=2.21,<2.22",
        "numpy>=1.26,<3",
        "pyyaml>=6.0,<7",
        "pydantic>=2.7,<3",
        "matplotlib>=3.8,<4",
    ],
    extras_require={
        # pytest 9.2 breaks pytest-xdist's --dist=loadgroup (pytest-xdist issue #1386).
        "dev": ["pytest>=8,<9.2", "pytest-timeout>=2.3,<3", "pytest-xdist>=3.6,<4", "docstring-parser>=0.16,<1",
                "mlflow==3.17.2", "selenium==4.51.0"],
        # MLflow tracking and the model registry (tracking.mlflow_uri); the client only.
        "mlflow": ["mlflow-skinny==3.17.2"],
    },
    entry_points={"console_scripts": ["rnnpipe=pipeline.cli:main"]},
)
