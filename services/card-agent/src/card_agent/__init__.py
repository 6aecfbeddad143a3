"""card_agent: the counter PC reader agent."""
