"""Seeded bugs of our own for measuring the offline engine's localisation and repair."""
