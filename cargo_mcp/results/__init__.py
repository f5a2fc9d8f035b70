"""What a cargo call answers: the result models, and how a result reads as text within its budget."""
