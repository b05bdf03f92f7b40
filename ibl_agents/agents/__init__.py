"""4. The agents: the generator that writes a code model and the critic that reads its evaluation."""
