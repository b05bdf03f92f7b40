"""9. What a finished model learned: memorisation of shown rows, and plain-language explanations."""
