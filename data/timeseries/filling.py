"""Missing values of raw serving windows, filled inside the model as ``missing: interpolate`` does.

A client of ``serving_raw`` sends NaN for a value it does not have; the model fills it linearly
between the nearest observed steps of the same column within the window (before the first or
after the last observed step: that step's value; a column with none: 0) and marks the step in the
filled mask, so the model sees what training saw.
"""

from __future__ import annotations


def interpolate_missing(history):
    """Fills the NaN values of ``history`` [n, window, columns] along the window.

    Returns:
        ``(values, filled)``: the history without NaN, and float [n, window], 1 at the steps where
        any column was NaN.
    """
    import tensorflow as tf

    steps = tf.transpose(history, [1, 0, 2])  # [window, n, columns]: scan along the window
    times = tf.cast(tf.range(tf.shape(steps)[0]), history.dtype)

    def carry_observed(carried, step):
        value, time = carried
        values, at = step
        seen = ~tf.math.is_nan(values)
        return tf.where(seen, values, value), tf.where(seen, tf.fill(tf.shape(values), at), time)

    start = (tf.zeros_like(steps[0]), tf.fill(tf.shape(steps[0]), tf.constant(-1.0, history.dtype)))
    before, before_time = tf.scan(carry_observed, (steps, times), initializer=start)
    after, after_time = tf.scan(carry_observed, (steps, times), initializer=start, reverse=True)
    has_before, has_after = before_time >= 0, after_time >= 0
    now = times[:, None, None]
    span = tf.where(after_time > before_time, after_time - before_time, tf.ones_like(now + before_time))
    between = before + (after - before) * (now - before_time) / span
    guess = tf.where(has_before & has_after, between,
                     tf.where(has_before, before, tf.where(has_after, after, tf.zeros_like(before))))
    missing = tf.math.is_nan(steps)
    filled_values = tf.transpose(tf.where(missing, guess, steps), [1, 0, 2])
    filled = tf.cast(tf.reduce_any(tf.transpose(missing, [1, 0, 2]), axis=-1), history.dtype)
    return filled_values, filled
