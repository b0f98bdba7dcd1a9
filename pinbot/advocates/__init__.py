"""Earned reach: who pins the shop, pins taking off, and links that lead nowhere."""
