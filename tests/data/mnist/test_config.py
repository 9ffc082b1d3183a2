"""Tests for the MNIST config."""

import pytest

from data.mnist.config import MnistData


@pytest.mark.parametrize("settings,message", [
    ({"augment": {"rotation_degrees": 90}}, "rotation_degrees must lie in"),
    ({"augment": {"shift_pixels": 2}, "standardize": True}, "needs data.standardize: false"),
])
def test_bad_augmentation_settings_are_refused(settings, message):
    from data.mnist.config import Augmentation

    with pytest.raises(ValueError, match=message):
        MnistData(augment=Augmentation(**settings.pop("augment")), **settings)
