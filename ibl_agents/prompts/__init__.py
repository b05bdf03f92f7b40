"""2. The prompt: text templates and the one strict renderer, the task-specific parts, the train rows as
text, and the constants computed for the code.
"""
