"""Importers turn outside files and feeds into queue requests, or precise errors naming the row."""
