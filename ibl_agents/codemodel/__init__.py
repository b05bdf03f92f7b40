"""5. The code model's contract: getting code out of a reply, the static checks, and what its source reads
and writes out.
"""
