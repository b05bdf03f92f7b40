"""3. The LLM seam: provider names to LangChain chat models, one call with its retries, the reply cache,
token counts and prices.
"""
