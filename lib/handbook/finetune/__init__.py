"""Chapter 6, fine-tuning: datasets checked before upload, what a run costs, and whether it helped.

* `datasets`: `validate_chat` a chat-format JSONL file line by line; `chat_example` builds one.
* `training`: `training_cost` from dated training prices; `before_after` paired comparisons.

The training loops themselves are in lab 6, where the reader sees every step.
"""

from .datasets import Problem, Report, chat_example, validate_chat
from .training import (
    TRAINING_PRICES,
    TrainingCost,
    TrainingPrice,
    before_after,
    comparison_rows,
    training_cost,
    training_price,
)

__all__ = ["TRAINING_PRICES", "Problem", "Report", "TrainingCost", "TrainingPrice", "before_after", "chat_example",
           "comparison_rows", "training_cost", "training_price", "validate_chat"]
