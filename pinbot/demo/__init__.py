"""`pinbot demo`: the sample shop and the whole pipeline against the local emulator."""
