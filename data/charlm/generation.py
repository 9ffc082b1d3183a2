"""The ``generate`` signature: text sampled after each prompt, inside the SavedModel."""

from __future__ import annotations

from data.charlm.config import FEATURES_KEY, FIRST_CHAR_ID, OOV_BUCKETS, REPLACEMENT_CHARACTER, CharlmData
from data.charlm.model_head import characters


def generation_signatures(module, cfg: CharlmData, tft_output) -> dict:
    """``generate``: samples text after each prompt, inside the SavedModel.

    Inputs: ``prompt`` string [n], ``length`` int32 (characters to generate, >= 1),
    ``temperature`` float32 (> 0; the logits are divided by it, so lower is more conservative)
    and ``seed`` int64. Output: ``generated`` string [n], the text after each prompt.

    The prompt goes through the transform graph like training text: its last ``window``
    characters, left-padded with the start id when shorter. Each step feeds the window to the
    model, draws the next id with ``tf.random.stateless_categorical`` seeded by ``(seed, step)``
    (called per prompt, so a prompt's text does not depend on the other prompts in the call),
    and slides the window; only vocabulary characters are drawn (never the start or
    out-of-vocabulary ids). The ids go back to characters through the same vocabulary.
    """
    import tensorflow as tf

    table = [0] * FIRST_CHAR_ID + [ord(char) for char in characters(tft_output)] + [REPLACEMENT_CHARACTER] * OOV_BUCKETS
    drawable = [False] * FIRST_CHAR_ID + [True] * (len(table) - FIRST_CHAR_ID - OOV_BUCKETS) + [False] * OOV_BUCKETS

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="prompt"),
                                  tf.TensorSpec([], tf.int32, name="length"),
                                  tf.TensorSpec([], tf.float32, name="temperature"),
                                  tf.TensorSpec([], tf.int64, name="seed")])
    def generate(prompt, length, temperature, seed):
        checks = [tf.debugging.assert_positive(length, message="length must be >= 1"),
                  tf.debugging.assert_positive(temperature, message="temperature must be > 0")]
        with tf.control_dependencies(checks):
            window_ids = module.tft_layer({"context": prompt, "target": tf.fill(tf.shape(prompt), ""),
                                           "id": tf.fill(tf.shape(prompt), "")})[FEATURES_KEY]
        codepoint_of = tf.constant(table, tf.int32)
        allowed = tf.constant(drawable)[None, :]

        def step(position, window_ids, drawn):
            probabilities = tf.cast(module.model(window_ids, training=False), tf.float32)
            logits = tf.math.log(tf.maximum(probabilities, 1e-30)) / temperature
            logits = tf.where(allowed, logits, tf.fill(tf.shape(logits), -float("inf")))
            seeds = tf.stack([seed, tf.cast(position, tf.int64)])
            next_ids = tf.map_fn(lambda row: tf.random.stateless_categorical(row[None, :], 1, seeds, dtype=tf.int64)[0, 0],
                                 logits, fn_output_signature=tf.int64)
            window_ids = tf.concat([window_ids[:, 1:], next_ids[:, None]], axis=1)
            return position + 1, window_ids, drawn.write(position, next_ids)

        _, _, drawn = tf.while_loop(lambda position, *_: position < length, step,
                                    (tf.constant(0), window_ids, tf.TensorArray(tf.int64, size=length)))
        ids = tf.transpose(drawn.stack())  # [n, length]
        return {"generated": tf.strings.unicode_encode(tf.gather(codepoint_of, ids), "UTF-8")}

    module.generate = generate
    return {"generate": generate}
