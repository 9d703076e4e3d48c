"""Run ids and readable run names."""

from __future__ import annotations

import secrets
import string

_ADJECTIVES = (
    "amber", "bold", "brisk", "calm", "cosmic", "crisp", "dainty", "dapper", "dashing", "deft",
    "eager", "earnest", "fancy", "fiery", "fluent", "fresh", "gentle", "glad", "golden", "grand",
    "happy", "hardy", "hazy", "icy", "jolly", "keen", "lively", "lucky", "lunar", "mellow",
    "misty", "noble", "polar", "proud", "quiet", "rapid", "royal", "rustic", "serene", "sharp",
    "silent", "smooth", "solar", "spry", "stellar", "still", "sunny", "swift", "tidy", "vivid",
    "warm", "wild", "wise", "witty", "young", "zesty",
)
_NOUNS = (
    "aurora", "bay", "breeze", "brook", "canyon", "cedar", "cloud", "comet", "cove", "dawn",
    "delta", "dew", "dune", "ember", "fern", "field", "firefly", "flower", "fog", "forest",
    "frost", "galaxy", "glade", "grove", "harbor", "haze", "hill", "lake", "leaf", "meadow",
    "moon", "morning", "mountain", "night", "oasis", "ocean", "orbit", "pine", "planet", "pond",
    "rain", "reef", "river", "sea", "shadow", "sky", "snow", "sound", "spring", "star",
    "stream", "sun", "sunset", "thunder", "tide", "valley", "violet", "water", "wave", "wind",
)
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_run_id() -> str:
    """An 8-character id of lowercase letters and digits, as W&B makes them."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def new_run_name() -> str:
    """A readable adjective-noun-number name, such as ``fiery-sunset-12``."""
    return (f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-"
            f"{secrets.randbelow(999) + 1}")
