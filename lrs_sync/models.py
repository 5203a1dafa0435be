"""The LRS sync app's models, one module per area."""

from .achievement_models import (  # noqa: F401
    Achievement,
    AchievementBatch,
    AchievementChange,
    BatchRecord,
)
