"""What the owner writes down: boards, posting rules, the product catalogue, field rules."""
