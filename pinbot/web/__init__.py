"""Looking at the shop's own web pages (stdlib urllib only): does a pin's link still lead somewhere?"""
