"""The one exception type for refusing a model's input; its message is shown to the model as-is."""


class Refusal(ValueError):
    """Input we will not act on. The message names the bad value and says what is allowed."""
